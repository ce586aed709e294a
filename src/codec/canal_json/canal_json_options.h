// The canal-json encoder's URI options (only-output-updated-columns, content-compatible,
// delete-only-output-handle-key-columns), declared once on the option engine; the shared
// enable-tidb-extension and time-zone are codec/encoder_options.h.
#pragma once

#include "base/options.h"
#include "codec/canal_json/canal_json_encoder.h"

namespace sluice::codec::canal_json {

// Applies content-compatible's implication (only-output-updated-columns) as a rule.
const base::OptionSet<CanalJsonOptions>& CanalJsonOptionSet();

}  // namespace sluice::codec::canal_json
