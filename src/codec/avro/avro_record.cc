#include "codec/avro/avro_record.h"

namespace sluice::codec::avro {

base::Result<std::unique_ptr<AvroRecord>> AvroRecord::Parse(std::string_view schema_json) {
  std::unique_ptr<AvroRecord> r(new AvroRecord());
  // avro-c's JSON parser (jansson, without JSON_ALLOW_NUL) refuses "\u0000", the default of a
  // NOT NULL DECIMAL field (one zero byte). Defaults only matter to readers, never to writing,
  // so avro-c gets them as empty bytes; the registered schema keeps the real default.
  std::string text(schema_json);
  static constexpr std::string_view kNulDefault = R"("default":"\u0000")";
  for (auto at = text.find(kNulDefault); at != std::string::npos; at = text.find(kNulDefault, at)) {
    text.replace(at, kNulDefault.size(), R"("default":"")");
  }
  if (avro_schema_from_json_length(text.data(), text.size(), &r->schema_) != 0) {
    return base::InvalidArgument("avro: invalid schema ({}): {}", avro_strerror(),
                                 schema_json.substr(0, 300));
  }
  r->iface_ = avro_generic_class_from_schema(r->schema_);
  if (!r->iface_ || avro_generic_value_new(r->iface_, &r->value_) != 0) {
    return base::Internal("avro: cannot instantiate schema: {}", avro_strerror());
  }
  r->has_value_ = true;
  return r;
}

AvroRecord::~AvroRecord() {
  if (has_value_) avro_value_decref(&value_);
  if (iface_) avro_value_iface_decref(iface_);
  if (schema_) avro_schema_decref(schema_);
}

void AvroRecord::Reset() { avro_value_reset(&value_); }

base::Status AvroRecord::AppendBinary(std::string* out) {
  size_t size = 0;
  if (avro_value_sizeof(&value_, &size) != 0) {
    return base::Internal("avro: cannot size a record: {}", avro_strerror());
  }
  size_t start = out->size();
  out->resize(start + size);
  avro_writer_t w = avro_writer_memory(out->data() + start, static_cast<int64_t>(size));
  int rc = avro_value_write(w, &value_);
  avro_writer_free(w);
  if (rc != 0) {
    out->resize(start);
    return base::Internal("avro: cannot write a record: {}", avro_strerror());
  }
  return base::Status::Ok();
}

}  // namespace sluice::codec::avro
