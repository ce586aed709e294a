// SchemaRegistryClient: the Confluent schema registry as the Avro encoder needs it.
//
// An interface at the I/O edge; HttpSchemaRegistryClient is the real one. Implementations are
// thread-safe (one client may serve several encoders).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace sluice::codec::avro {

class SchemaRegistryClient {
 public:
  virtual ~SchemaRegistryClient() = default;

  // Registers the Avro schema JSON `schema` under `subject` (a new version if it is new to the
  // subject; the existing id otherwise) and returns its global schema id.
  virtual base::Result<int32_t> Register(const std::string& subject, const std::string& schema) = 0;
  // The schema text with global id `id`.
  virtual base::Result<std::string> SchemaById(int32_t id) = 0;
  // The registry URL for messages, credentials masked.
  virtual std::string DisplayUrl() const = 0;
};

}  // namespace sluice::codec::avro
