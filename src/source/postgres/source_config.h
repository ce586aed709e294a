// PgSourceConfig: how to reach a PostgreSQL database and which slot/publication to stream,
// parsed from a source URI:
//
//   postgres://user:password@host:5432/db?slot=sluice_orders&publication=sluice_pub
//              &tables=public.t1,s.t2&start=slot|now&connect-timeout=10s&status-interval=10s
//   postgresql://...   (same syntax)
//
// Every query option is declared once in a table (PgSourceOptions()) with its name, doc,
// default and bounds; an unknown option is an InvalidArgument that lists the valid ones. The
// password is kept only in `password`; use Redacted() for anything that is displayed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "client/postgres/pg_connection.h"

namespace sluice::source::postgres {

struct PgTableName {
  std::string schema = "public";
  std::string table;
  std::string ToString() const;  // quoted when needed: public.t1, "My Schema"."T"
  bool operator==(const PgTableName&) const = default;
};

struct PgSourceConfig {
  std::string scheme = "postgres";  // "postgres" or "postgresql"
  std::string host = "127.0.0.1";
  uint16_t port = 5432;
  std::string user;
  std::string password;  // secret: never logged, never in errors; see Redacted()
  std::string database;
  // Logical replication slot ([a-z0-9_]{1,63}); created (pgoutput) when missing.
  std::string slot;
  // Publication streamed; created FOR TABLE `tables` when missing (default: the slot name).
  std::string publication;
  std::vector<PgTableName> tables;
  // Without a checkpoint: `slot` resumes from the slot (created now if missing); `now` also
  // skips whatever an existing slot still holds (advances it to the current WAL end).
  enum class Start : uint8_t { kSlot, kNow };
  Start start = Start::kSlot;
  std::chrono::milliseconds connect_timeout{10'000};
  // Standby status updates are sent at least this often (keeps wal_sender_timeout happy).
  std::chrono::milliseconds status_interval{10'000};

  std::string Endpoint() const;  // "host:port"
  std::string Redacted() const;  // the URI with the password as "****"
  // The libpq connection: the session settings pin the text output formats the decoder parses
  // (pg_types.h); `replication` opens a replication=database (walsender) connection.
  client::postgres::PgConnectOptions ConnectOptions(bool replication) const;
  // Its conninfo (keyword='value', quoted; contains the password).
  std::string ConnInfo(bool replication) const { return ConnectOptions(replication).ConnInfo(); }
};

struct PgSourceOption {
  std::string_view name;
  std::string_view doc;
  std::string_view default_value;
  std::string_view bounds;
};
const std::vector<PgSourceOption>& PgSourceOptions();

// True for a postgres:// or postgresql:// URI.
bool IsPgSourceUri(std::string_view uri);

// Parses a postgres:// or postgresql:// URI. `default_slot` is used when the URI has no slot
// (the builder passes "sluice_<changefeed id>"). Errors are InvalidArgument naming the offending
// part; they never contain the password.
base::Result<PgSourceConfig> ParsePgSourceUri(std::string_view uri,
                                              std::string_view default_slot = "");

// "sluice_" + the changefeed id lower-cased with every character outside [a-z0-9_] as '_',
// cut to 63 characters: a valid slot name.
std::string DefaultSlotName(std::string_view changefeed_id);

}  // namespace sluice::source::postgres
