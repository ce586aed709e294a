// SourceConnector: what sluice knows about one kind of source (MariaDB binlog, PostgreSQL
// pgoutput, Kafka consumer group), so that the builder, the changefeed manager and the API look a
// source up by its URI scheme and compose, without branching on the scheme.
//
// A connector lists its schemes and parses a source URI into a SourceSpec: the validated
// settings, which redact themselves, resolve the changefeed's start, run the pre-flight checks
// and create the running Source. The registry of every connector is source/registry.h; adding
// a source = its folder (with its connector) + one line in source/registry.cc.
//
// Parsing is pure (no I/O); ResolveStart() and Check() connect. Specs are immutable after
// Parse and may be shared between threads; each Create() returns a new, unopened Source.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/position.h"
#include "source/source.h"

namespace sluice::source {

// What a source URI is parsed for.
struct SourceContext {
  std::string changefeed_id;  // names per-changefeed server objects (a PostgreSQL slot)
};

class SourceSpec {
 public:
  virtual ~SourceSpec() = default;

  // The URI with every secret masked (base::kSecretMask): safe for logs, errors and the API.
  virtual std::string Redacted() const = 0;
  // Connects and resolves the configured start (start=now, a GTID, a slot's position, ...) to
  // a concrete position, creating what must exist from then on (a PostgreSQL slot). An empty
  // position means "the source resumes by itself" (a Kafka consumer group's offsets).
  virtual base::Result<model::SourcePosition> ResolveStart() const = 0;
  // The pre-flight of `sluice check`: server settings, privileges, publication, topics...;
  // each failure names its fix. Creates nothing.
  virtual base::Status Check() const = 0;
  // A new, unopened source for one run of the changefeed.
  virtual std::unique_ptr<Source> Create() const = 0;
  // The source's ignore-write-errors: a database sink setting the Kafka source may also turn on
  // (docs/kafka-source.md); false for the others.
  virtual bool IgnoreWriteErrors() const { return false; }
};

class SourceConnector {
 public:
  virtual ~SourceConnector() = default;
  // Lower-case URI schemes this connector takes ("mysql", "mariadb").
  virtual std::vector<std::string_view> schemes() const = 0;
  // Parses and validates `uri` (one of schemes()). Errors are InvalidArgument naming the
  // parameter and the fix, prefixed "source URI", and never contain a secret.
  virtual base::Result<std::unique_ptr<SourceSpec>> Parse(std::string_view uri,
                                                          const SourceContext& context) const = 0;
};

}  // namespace sluice::source
