// The Debezium JSON encoder's URI options (debezium-*), declared once on the option engine.
#pragma once

#include "base/options.h"
#include "codec/debezium/debezium_json_encoder.h"

namespace sluice::codec::debezium {

const base::EnumNames<DecimalHandling>& DecimalHandlingNames();  // precise, string, double
const base::EnumNames<BigintUnsignedHandling>& BigintUnsignedHandlingNames();  // long, precise

const base::OptionSet<DebeziumJsonOptions>& DebeziumOptionSet();

}  // namespace sluice::codec::debezium
