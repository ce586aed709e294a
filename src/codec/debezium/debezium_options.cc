#include "codec/debezium/debezium_options.h"

namespace sluice::codec::debezium {

const base::EnumNames<DecimalHandling>& DecimalHandlingNames() {
  static const base::EnumNames<DecimalHandling> names{{{"precise", DecimalHandling::kPrecise},
                                                       {"string", DecimalHandling::kString},
                                                       {"double", DecimalHandling::kDouble}}};
  return names;
}

const base::EnumNames<BigintUnsignedHandling>& BigintUnsignedHandlingNames() {
  static const base::EnumNames<BigintUnsignedHandling> names{
      {{"long", BigintUnsignedHandling::kLong}, {"precise", BigintUnsignedHandling::kPrecise}}};
  return names;
}

const base::OptionSet<DebeziumJsonOptions>& DebeziumOptionSet() {
  using O = DebeziumJsonOptions;
  static const base::OptionSet<O> set = {
      {{.name = "debezium-disable-schema",
        .kind = base::OptionKind::kBool,
        .default_text = "false",
        .doc = "debezium: leave out the Kafka Connect `schema` of keys and values (like "
               "JsonConverter schemas.enable=false)."},
       base::SetField(&O::disable_schema)},
      {{.name = "debezium-output-old-value",
        .kind = base::OptionKind::kBool,
        .default_text = "true",
        .doc = "debezium: UPDATE events carry the old row in `before` (Flink's debezium-json "
               "needs it)."},
       base::SetField(&O::output_old_value)},
      {{.name = "debezium-tombstone-on-delete",
        .kind = base::OptionKind::kBool,
        .default_text = "true",
        .doc = "debezium: follow every DELETE with a tombstone (same key, null value) for log "
               "compaction, as Debezium's tombstones.on.delete."},
       base::SetField(&O::tombstone_on_delete)},
      {{.name = "debezium-decimal-handling-mode",
        .kind = base::OptionKind::kEnum,
        .default_text = "precise",
        .doc = "debezium: DECIMAL as precise (Connect Decimal: base64 two's-complement bytes), "
               "string, or double, as Debezium's decimal.handling.mode.",
        .allowed = DecimalHandlingNames().Names()},
       base::SetEnum(&O::decimal_handling, DecimalHandlingNames())},
      {{.name = "debezium-bigint-unsigned-handling-mode",
        .kind = base::OptionKind::kEnum,
        .default_text = "long",
        .doc = "debezium: BIGINT UNSIGNED as long (int64; values above 2^63-1 wrap) or precise "
               "(Connect Decimal bytes), as Debezium's bigint.unsigned.handling.mode.",
        .allowed = BigintUnsignedHandlingNames().Names()},
       base::SetEnum(&O::bigint_unsigned_handling, BigintUnsignedHandlingNames())},
  };
  return set;
}

}  // namespace sluice::codec::debezium
