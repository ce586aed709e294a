#include "codec/encoder_options.h"

namespace sluice::codec {

const base::OptionSet<EncoderCommonOptions>& EncoderCommonOptionSet() {
  using O = EncoderCommonOptions;
  static const base::OptionSet<O> set = {
      {{.name = "enable-tidb-extension",
        .kind = base::OptionKind::kBool,
        .default_text = "false",
        .doc = "canal-json: add the _tidb object and WATERMARK events; avro: _tidb_* fields; "
               "debezium: checkpoint events."},
       base::SetField(&O::enable_tidb_extension)},
      {{.name = "time-zone",
        .kind = base::OptionKind::kString,
        .default_text = "System",
        .doc = "Time zone used to render TIMESTAMP values (IANA name such as Asia/Shanghai, "
               "UTC, or System).",
        .pattern = "^[A-Za-z0-9_+/-]+$",
        .pattern_doc = "an IANA time zone name"},
       base::SetField(&O::time_zone)},
  };
  return set;
}

}  // namespace sluice::codec
