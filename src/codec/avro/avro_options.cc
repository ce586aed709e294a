#include "codec/avro/avro_options.h"

namespace sluice::codec::avro {

namespace {

// "string" -> true for the avro-*-handling-mode enums.
base::OptionSet<AvroOptions>::Apply SetStringMode(bool AvroOptions::*field) {
  return [field](AvroOptions& o, const base::OptionValue& v) {
    o.*field = v.s == "string";
    return base::Status::Ok();
  };
}

base::OptionSet<AvroOptions> Make() {
  using O = AvroOptions;
  base::OptionSet<O> s = {
      {{.name = "schema-registry",
        .kind = base::OptionKind::kString,
        .default_text = "",
        .doc = "Schema registry URL (required for avro), e.g. https://user:pass@host:8081; "
               "credentials are never logged.",
        .pattern = "^https?://.+$",
        .pattern_doc = "an http:// or https:// URL",
        .secret = base::OptionSecret::kUrlCredentials},
       base::SetField(&O::schema_registry)},
      {{.name = "schema-registry-ca",
        .kind = base::OptionKind::kString,
        .default_text = "",
        .doc = "avro: CA certificate file (PEM) that verifies an https:// schema registry; "
               "without it the system trust store is used. Basic auth goes in the registry URL "
               "as user:password@ (URL-encoded).",
        .pattern = "^.+$",
        .pattern_doc = "a file path"},
       base::SetField(&O::schema_registry_ca)},
      {{.name = "avro-decimal-handling-mode",
        .kind = base::OptionKind::kEnum,
        .default_text = "precise",
        .doc = "avro: DECIMAL as bytes with the decimal logical type (precise) or as a string.",
        .allowed = {"precise", "string"}},
       SetStringMode(&O::decimal_as_string)},
      {{.name = "avro-bigint-unsigned-handling-mode",
        .kind = base::OptionKind::kEnum,
        .default_text = "long",
        .doc = "avro: BIGINT UNSIGNED as long (values above 2^63-1 wrap to negative, as in "
               "TiCDC) or as a decimal string.",
        .allowed = {"long", "string"}},
       SetStringMode(&O::bigint_unsigned_as_string)},
  };
  s.AddValidator([](O& o, const base::GivenOptions&, const base::OptionContext& ctx) {
    if (!o.schema_registry_ca.empty() && !o.schema_registry.starts_with("https://")) {
      return base::InvalidArgument(
          "{}: schema-registry-ca needs an https:// schema-registry; use https:// or remove "
          "schema-registry-ca",
          ctx.what);
    }
    return base::Status::Ok();
  });
  return s;
}

}  // namespace

const base::OptionSet<AvroOptions>& AvroOptionSet() {
  static const base::OptionSet<AvroOptions> set = Make();
  return set;
}

}  // namespace sluice::codec::avro
