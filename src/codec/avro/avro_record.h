// AvroRecord: one parsed Avro record schema and a reusable generic value of it (avro-c).
//
// Parse() validates the schema JSON with avro-c; value() is filled field by field through the
// avro-c value API (avro_value_get_by_index, avro_value_set_*), and AppendBinary() writes the
// Avro binary encoding. The value is reset by Reset(). Not thread-safe; move-only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <avro.h>

#include "base/status.h"

namespace sluice::codec::avro {

class AvroRecord {
 public:
  // InvalidArgument with avro-c's reason if `schema_json` is not a valid record schema.
  static base::Result<std::unique_ptr<AvroRecord>> Parse(std::string_view schema_json);
  ~AvroRecord();
  AvroRecord(const AvroRecord&) = delete;
  AvroRecord& operator=(const AvroRecord&) = delete;

  // Clears the value before filling a new row.
  void Reset();
  avro_value_t* value() { return &value_; }
  // Appends the Avro binary encoding of value(). Internal if avro-c fails (e.g. a union
  // branch left unset).
  base::Status AppendBinary(std::string* out);

 private:
  AvroRecord() = default;
  avro_schema_t schema_ = nullptr;
  avro_value_iface_t* iface_ = nullptr;
  avro_value_t value_{};
  bool has_value_ = false;
};

}  // namespace sluice::codec::avro
