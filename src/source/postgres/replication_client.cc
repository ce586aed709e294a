#include "source/postgres/replication_client.h"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include "base/logging.h"

namespace sluice::source::postgres {

namespace {

base::Result<model::Lsn> ParseLsn(std::string_view text) {
  size_t slash = text.find('/');
  uint64_t hi = 0, lo = 0;
  auto hex = [](std::string_view s, uint64_t* v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v, 16);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  };
  if (slash == std::string_view::npos || !hex(text.substr(0, slash), &hi) ||
      !hex(text.substr(slash + 1), &lo)) {
    return base::DataLoss("PostgreSQL returned a malformed LSN '{}'", text);
  }
  return model::Lsn{(hi << 32) | lo};
}

void PutBE(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Microseconds since 2000-01-01 (the protocol's clock).
int64_t PgNowMicros() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return us - 946'684'800'000'000LL;
}

}  // namespace

ReplicationClient::ReplicationClient(PgSourceConfig config) : config_(std::move(config)) {}

ReplicationClient::~ReplicationClient() { Close(); }

base::Status ReplicationClient::Connect() {
  SLUICE_ASSIGN_OR_RETURN(sql_, PgConnection::Connect(config_.ConnectOptions(false)));
  SLUICE_RETURN_IF_ERROR(Preflight());
  SLUICE_RETURN_IF_ERROR(EnsurePublication(true));
  SLUICE_ASSIGN_OR_RETURN(repl_, PgConnection::Connect(config_.ConnectOptions(true)));
  SLUICE_ASSIGN_OR_RETURN(PgResult id, repl_->Query("IDENTIFY_SYSTEM"));
  if (id.rows.empty() || !id.rows[0][0]) {
    return base::DataLoss("IDENTIFY_SYSTEM on {} returned no row", config_.Endpoint());
  }
  system_id_ = *id.rows[0][0];
  return base::Status::Ok();
}

base::Status ReplicationClient::Check() {
  SLUICE_ASSIGN_OR_RETURN(sql_, PgConnection::Connect(config_.ConnectOptions(false)));
  SLUICE_RETURN_IF_ERROR(Preflight());
  SLUICE_RETURN_IF_ERROR(EnsurePublication(false));
  SLUICE_ASSIGN_OR_RETURN(repl_, PgConnection::Connect(config_.ConnectOptions(true)));
  SLUICE_RETURN_IF_ERROR(repl_->Query("IDENTIFY_SYSTEM").status());
  SLUICE_ASSIGN_OR_RETURN(SlotInfo slot, InspectSlot());
  if (slot.exists && slot.active) {
    return base::FailedPrecondition(
        "replication slot {} on {} is in use by another connection; stop the other consumer "
        "(SELECT active_pid FROM pg_replication_slots WHERE slot_name = '{}') or choose another "
        "slot=",
        config_.slot, config_.Endpoint(), config_.slot);
  }
  if (!slot.exists) {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult r, sql_->Query("SELECT current_setting('max_replication_slots')::int - count(*) "
                              "FROM pg_replication_slots"));
    if (!r.rows.empty() && r.rows[0][0] && std::stoi(*r.rows[0][0]) <= 0) {
      return base::FailedPrecondition(
          "no free replication slot on {} to create {}: raise max_replication_slots (ALTER "
          "SYSTEM SET max_replication_slots = ...; restart) or drop an unused slot",
          config_.Endpoint(), config_.slot);
    }
  }
  base::Logger("check")->info(
      "PASS postgres {}: wal_level=logical, REPLICATION, publication {}, "
      "slot {} ({})",
      config_.Endpoint(), config_.publication, config_.slot,
      slot.exists ? "exists, resumes at " + slot.confirmed_flush.ToString() : "will be created");
  return base::Status::Ok();
}

base::Status ReplicationClient::Preflight() {
  const std::string ep = config_.Endpoint();
  SLUICE_ASSIGN_OR_RETURN(
      PgResult r,
      sql_->Query("SELECT current_setting('wal_level'), current_setting('server_encoding'), "
                  "r.rolreplication, r.rolsuper, current_setting('server_version_num')::int "
                  "FROM pg_roles r WHERE r.rolname = current_user"));
  if (r.rows.empty()) return base::Internal("cannot read the role of user '{}'", config_.user);
  const auto& row = r.rows[0];
  if (row[0].value_or("") != "logical") {
    return base::FailedPrecondition(
        "wal_level is {} on {}; sluice needs logical: ALTER SYSTEM SET wal_level = logical; then "
        "restart PostgreSQL",
        row[0].value_or("?"), ep);
  }
  if (row[1].value_or("") != "UTF8") {
    return base::FailedPrecondition(
        "database {} on {} has server_encoding {}; sluice reads UTF8 databases only (create the "
        "database with ENCODING 'UTF8')",
        config_.database, ep, row[1].value_or("?"));
  }
  if (row[2].value_or("f") != "t" && row[3].value_or("f") != "t") {
    return base::FailedPrecondition(
        "user '{}' lacks the REPLICATION attribute on {}: ALTER ROLE {} WITH REPLICATION",
        config_.user, ep, PgConnection::QuoteIdent(config_.user));
  }
  if (std::stoi(row[4].value_or("0")) < 100000) {
    return base::FailedPrecondition("PostgreSQL at {} is older than 10; pgoutput needs 10+", ep);
  }
  return base::Status::Ok();
}

base::Status ReplicationClient::EnsurePublication(bool create) {
  const std::string& pub = config_.publication;
  SLUICE_ASSIGN_OR_RETURN(
      PgResult r,
      sql_->Query("SELECT puballtables FROM pg_publication WHERE pubname = " + PgConnection::QuoteLiteral(pub)));
  std::string table_list;
  for (const auto& t : config_.tables) {
    table_list +=
        (table_list.empty() ? "" : ", ") + PgConnection::QuoteIdent(t.schema) + "." + PgConnection::QuoteIdent(t.table);
  }
  for (const auto& t : config_.tables) {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult exists,
        sql_->Query("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = "
                    "c.relnamespace WHERE n.nspname = " +
                    PgConnection::QuoteLiteral(t.schema) + " AND c.relname = " + PgConnection::QuoteLiteral(t.table)));
    if (exists.rows.empty()) {
      return base::FailedPrecondition(
          "table {} (option tables) does not exist in database {} on {}; fix the tables= option "
          "of the source URI or create the table",
          t.ToString(), config_.database, config_.Endpoint());
    }
  }
  if (r.rows.empty()) {
    if (config_.tables.empty()) {
      return base::FailedPrecondition(
          "publication {} does not exist in database {} on {}; add tables=schema.table,... to "
          "the source URI so sluice creates it FOR TABLE, or run as a superuser: CREATE "
          "PUBLICATION {} FOR ALL TABLES",
          pub, config_.database, config_.Endpoint(), PgConnection::QuoteIdent(pub));
    }
    std::string sql = "CREATE PUBLICATION " + PgConnection::QuoteIdent(pub) + " FOR TABLE " + table_list;
    if (!create) return CheckCanCreatePublication(sql);
    base::Status st = sql_->Exec(sql);
    if (!st.ok()) {
      return base::FailedPrecondition(
          "{}; creating a publication needs CREATE on the database and ownership of the tables: "
          "GRANT CREATE ON DATABASE {} TO {}, or let the tables' owner run: {}",
          st.message(), PgConnection::QuoteIdent(config_.database), PgConnection::QuoteIdent(config_.user), sql);
    }
    base::Logger("source.postgres")->info("created publication {} FOR TABLE {}", pub, table_list);
    return base::Status::Ok();
  }
  if (r.rows[0][0].value_or("f") == "t") return base::Status::Ok();  // FOR ALL TABLES
  for (const auto& t : config_.tables) {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult in, sql_->Query("SELECT 1 FROM pg_publication_tables WHERE pubname = " +
                               PgConnection::QuoteLiteral(pub) + " AND schemaname = " + PgConnection::QuoteLiteral(t.schema) +
                               " AND tablename = " + PgConnection::QuoteLiteral(t.table)));
    if (in.rows.empty()) {
      return base::FailedPrecondition(
          "table {} is not in publication {}: ALTER PUBLICATION {} ADD TABLE {}.{}", t.ToString(),
          pub, PgConnection::QuoteIdent(pub), PgConnection::QuoteIdent(t.schema), PgConnection::QuoteIdent(t.table));
    }
  }
  return base::Status::Ok();
}

base::Status ReplicationClient::CheckCanCreatePublication(const std::string& create_sql) {
  auto fix = [&](const std::string& problem) {
    return base::FailedPrecondition(
        "publication {} does not exist and sluice cannot create it: {}; let the tables' owner "
        "run: {}",
        config_.publication, problem, create_sql);
  };
  SLUICE_ASSIGN_OR_RETURN(
      PgResult db, sql_->Query("SELECT has_database_privilege(current_database(), 'CREATE')"));
  if (db.rows.empty() || db.rows[0][0].value_or("f") != "t") {
    return fix(fmt::format(
        "user {} lacks CREATE on database {} (GRANT CREATE ON DATABASE {} TO {})", config_.user,
        config_.database, PgConnection::QuoteIdent(config_.database), PgConnection::QuoteIdent(config_.user)));
  }
  for (const auto& t : config_.tables) {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult r,
        sql_->Query("SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c JOIN "
                    "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = " +
                    PgConnection::QuoteLiteral(t.schema) + " AND c.relname = " + PgConnection::QuoteLiteral(t.table)));
    if (r.rows[0][0].value_or("f") != "t") {
      return fix(fmt::format("user {} does not own table {}", config_.user, t.ToString()));
    }
  }
  base::Logger("check")->info("publication {} is missing; it will be created: {}",
                              config_.publication, create_sql);
  return base::Status::Ok();
}

base::Result<SlotInfo> ReplicationClient::InspectSlot() {
  SLUICE_ASSIGN_OR_RETURN(
      PgResult r, sql_->Query("SELECT plugin, database, active, confirmed_flush_lsn, slot_type "
                            "FROM pg_replication_slots WHERE slot_name = " +
                            PgConnection::QuoteLiteral(config_.slot)));
  SlotInfo info;
  if (r.rows.empty()) return info;
  const auto& row = r.rows[0];
  info.exists = true;
  info.plugin = row[0].value_or("");
  info.database = row[1].value_or("");
  info.active = row[2].value_or("f") == "t";
  if (row[4].value_or("") != "logical" || info.plugin != "pgoutput" ||
      info.database != config_.database) {
    return base::FailedPrecondition(
        "replication slot {} on {} is not a pgoutput logical slot of database {} (type {}, "
        "plugin {}, database {}); choose another slot= or drop it: SELECT "
        "pg_drop_replication_slot('{}')",
        config_.slot, config_.Endpoint(), config_.database, row[4].value_or("?"), info.plugin,
        info.database, config_.slot);
  }
  if (row[3]) {
    SLUICE_ASSIGN_OR_RETURN(info.confirmed_flush, ParseLsn(*row[3]));
  }
  slot_confirmed_ = info.confirmed_flush;
  return info;
}

base::Result<model::Lsn> ReplicationClient::ResolveStart() {
  SLUICE_ASSIGN_OR_RETURN(SlotInfo slot, InspectSlot());
  if (!slot.exists) {
    // SNAPSHOT 'nothing': no initial snapshot is taken; the stream starts at the slot's
    // consistent point.
    SLUICE_ASSIGN_OR_RETURN(PgResult r, repl_->Query("CREATE_REPLICATION_SLOT " + config_.slot +
                                                   " LOGICAL pgoutput NOEXPORT_SNAPSHOT"));
    if (r.rows.empty() || r.rows[0].size() < 2 || !r.rows[0][1]) {
      return base::DataLoss("CREATE_REPLICATION_SLOT returned no consistent point");
    }
    base::Logger("source.postgres")
        ->info("created replication slot {} at {}", config_.slot, *r.rows[0][1]);
    SLUICE_ASSIGN_OR_RETURN(slot_confirmed_, ParseLsn(*r.rows[0][1]));
    return slot_confirmed_;
  }
  if (config_.start == PgSourceConfig::Start::kNow) {
    // The WAL insert position covers every commit made so far (the write/flush positions may
    // lag with synchronous_commit=off). Streaming from there makes the server skip every
    // transaction that committed before it; the slot itself moves on the first Acknowledge.
    SLUICE_ASSIGN_OR_RETURN(PgResult r, sql_->Query("SELECT pg_current_wal_insert_lsn()"));
    if (!r.rows.empty() && r.rows[0][0]) {
      SLUICE_ASSIGN_OR_RETURN(model::Lsn now, ParseLsn(*r.rows[0][0]));
      if (now > slot.confirmed_flush) return now;
    }
  }
  return slot.confirmed_flush;
}

base::Status ReplicationClient::CheckSlotFor(model::Lsn checkpoint) {
  SLUICE_ASSIGN_OR_RETURN(SlotInfo slot, InspectSlot());
  if (!slot.exists) {
    return base::FailedPrecondition(
        "replication slot {} does not exist on {} but the checkpoint is at LSN {}: the changes "
        "after it are gone with the slot; recreate the changefeed (a new slot starts at the "
        "current WAL end) or restore the slot",
        config_.slot, config_.Endpoint(), checkpoint.ToString());
  }
  if (slot.confirmed_flush > checkpoint) {
    base::Logger("source.postgres")
        ->warn(
            "slot {} confirmed {} beyond the checkpoint {}; another client consumed it, the "
            "server resumes at {}",
            config_.slot, slot.confirmed_flush.ToString(), checkpoint.ToString(),
            slot.confirmed_flush.ToString());
  }
  return base::Status::Ok();
}

base::Status ReplicationClient::StartStreaming(model::Lsn from, std::string_view extra_options,
                                               int proto_version) {
  std::string pubs = "\"";
  for (char c : config_.publication) {
    if (c == '"') pubs.push_back('"');
    pubs.push_back(c);
  }
  pubs += "\"";
  std::string sql = fmt::format(
      "START_REPLICATION SLOT {} LOGICAL {} (proto_version '{}', publication_names {}{})",
      config_.slot, from.ToString(), proto_version, PgConnection::QuoteLiteral(pubs), extra_options);
  PGresult* res = PQexec(repl_->raw(), sql.c_str());
  if (PQresultStatus(res) != PGRES_COPY_BOTH) {
    base::Status err = repl_->ResultError(res, "START_REPLICATION");
    PQclear(res);
    return err;
  }
  PQclear(res);
  streaming_ = true;
  return base::Status::Ok();
}

base::Status ReplicationClient::Fetch(std::chrono::steady_clock::time_point deadline,
                                      std::string* message, bool* got) {
  *got = false;
  PGconn* c = repl_->raw();
  while (true) {
    char* buf = nullptr;
    int n = PQgetCopyData(c, &buf, 1);
    if (n > 0) {
      message->assign(buf, static_cast<size_t>(n));
      PQfreemem(buf);
      *got = true;
      return base::Status::Ok();
    }
    if (n == -1) {
      PGresult* res = PQgetResult(c);
      base::Status err = res && PQresultStatus(res) == PGRES_COMMAND_OK
                             ? base::Unavailable("PostgreSQL at {} ended the replication stream",
                                                 config_.Endpoint())
                             : repl_->ResultError(res, "replication stream");
      PQclear(res);
      streaming_ = false;
      return err.code() == base::Code::kUnavailable ? err : base::Unavailable("{}", err.message());
    }
    if (n == -2) {
      streaming_ = false;
      return base::Unavailable("replication stream from {} failed: {}", config_.Endpoint(),
                               PQerrorMessage(c));
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return base::Status::Ok();
    int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
    pollfd pfd{PQsocket(c), POLLIN, 0};
    int pr = poll(&pfd, 1, ms);
    if (pr < 0 && errno != EINTR) {
      return base::Unavailable("poll on the replication connection failed: {}",
                               std::strerror(errno));
    }
    if (pr > 0 && !PQconsumeInput(c)) {
      streaming_ = false;
      return base::Unavailable("replication connection to {} lost: {}", config_.Endpoint(),
                               PQerrorMessage(c));
    }
    if (pr == 0) return base::Status::Ok();
  }
}

base::Status ReplicationClient::SendStatus(model::Lsn flushed, bool reply_requested) {
  if (!streaming_) return base::Status::Ok();
  std::string msg = "r";
  PutBE(flushed.value, 8, &msg);  // written
  PutBE(flushed.value, 8, &msg);  // flushed: becomes the slot's confirmed_flush_lsn
  PutBE(flushed.value, 8, &msg);  // applied
  PutBE(static_cast<uint64_t>(PgNowMicros()), 8, &msg);
  msg.push_back(reply_requested ? 1 : 0);
  PGconn* c = repl_->raw();
  if (PQputCopyData(c, msg.data(), static_cast<int>(msg.size())) != 1 || PQflush(c) != 0) {
    return base::Unavailable("sending a standby status update to {} failed: {}", config_.Endpoint(),
                             PQerrorMessage(c));
  }
  return base::Status::Ok();
}

base::Result<std::vector<std::string>> ReplicationClient::PrimaryKey(uint32_t oid) {
  SLUICE_ASSIGN_OR_RETURN(
      PgResult r,
      sql_->Query(fmt::format(
          "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
          "a.attnum = ANY(i.indkey) WHERE i.indrelid = {} AND i.indisprimary "
          "ORDER BY array_position(i.indkey::int2[], a.attnum)",
          oid)));
  std::vector<std::string> names;
  for (const auto& row : r.rows) names.push_back(row[0].value_or(""));
  return names;
}

void ReplicationClient::Close() {
  if (repl_ && streaming_) {
    PQputCopyEnd(repl_->raw(), nullptr);
    PQflush(repl_->raw());
  }
  streaming_ = false;
  repl_.reset();
  sql_.reset();
}

}  // namespace sluice::source::postgres
