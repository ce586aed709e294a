// The Avro encoder's URI options (schema-registry, schema-registry-ca, avro-*-handling-mode),
// declared once on the option engine; the shared enable-tidb-extension and time-zone are
// codec/encoder_options.h.
#pragma once

#include <string>

#include "base/options.h"

namespace sluice::codec::avro {

struct AvroOptions {
  std::string schema_registry;     // URL; may hold credentials (secret)
  std::string schema_registry_ca;  // CA file verifying an https:// registry
  bool decimal_as_string = false;          // avro-decimal-handling-mode=string
  bool bigint_unsigned_as_string = false;  // avro-bigint-unsigned-handling-mode=string
};

// With the rule "schema-registry-ca needs an https:// schema-registry".
const base::OptionSet<AvroOptions>& AvroOptionSet();

}  // namespace sluice::codec::avro
