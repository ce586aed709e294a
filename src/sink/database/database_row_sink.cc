#include "sink/database/database_row_sink.h"

#include <algorithm>
#include <set>
#include <thread>

#include "base/crc32.h"
#include "base/logging.h"
#include "base/text.h"
#include "sink/database/sql_value.h"

namespace sluice::sink::database {
namespace {

using base::ToLower;

auto Log() {
  static auto log = base::Logger("sink.database");
  return log;
}

std::string_view OpName(model::RowOp op) {
  switch (op) {
    case model::RowOp::kInsert:
      return "INSERT";
    case model::RowOp::kUpdate:
      return "UPDATE";
    case model::RowOp::kDelete:
      return "DELETE";
  }
  return "?";
}

constexpr size_t kMaxTargetCache = 4096;

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The longest prefix of `s` within `max` bytes or characters, cut at a character boundary.
std::string Utf8Prefix(std::string_view s, size_t max, bool in_bytes) {
  size_t end = 0, units = 0;
  while (end < s.size()) {
    size_t next = end + 1;
    while (next < s.size() && (static_cast<unsigned char>(s[next]) & 0xC0) == 0x80) ++next;
    size_t add = in_bytes ? next - end : 1;
    if (units + add > max) break;
    units += add;
    end = next;
  }
  return std::string(s.substr(0, end));
}

}  // namespace

void TargetInfo::AddUniqueKeys(const std::vector<std::vector<std::optional<std::string>>>& rows) {
  std::string last;
  for (const auto& r : rows) {
    std::string index = r[0].value_or("");
    if (unique_keys.empty() || index != last) unique_keys.emplace_back();
    unique_keys.back().push_back(r[1].value_or(""));
    last = std::move(index);
  }
}

DatabaseRowSink::DatabaseRowSink(DatabaseSinkOptions options, sink::DeliveryCallback callback)
    : options_(std::move(options)), callback_(std::move(callback)) {}

base::Status DatabaseRowSink::Apply(const model::RowChange& row, const model::TxnInfo& txn,
                                    uint64_t token) {
  if (!failed_.ok()) {
    callback_(token, failed_);
    return failed_;
  }
  if (pending_.empty()) first_pending_at_ = std::chrono::steady_clock::now();
  pending_.push_back(Pending{row.op, row.table, row.before, row.after, token});
  if (pending_.size() >= options_.batch_rows) return FlushBatch();
  return base::Status::Ok();
}

base::Status DatabaseRowSink::ApplyDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                       uint64_t token) {
  base::Status st = FlushBatch();
  if (st.ok()) st = HandleDdl(ddl);
  // The DDL may have changed target tables: look them up again.
  targets_.clear();
  targets_by_name_.clear();
  if (!st.ok() && failed_.ok()) failed_ = st;
  callback_(token, st);
  return st;
}

void DatabaseRowSink::Poll(int timeout_ms) {
  if (pending_.empty() || !failed_.ok()) return;
  if (std::chrono::steady_clock::now() - first_pending_at_ >= options_.batch_interval) {
    static_cast<void>(FlushBatch());  // failures are reported through the callbacks
  }
}

base::Status DatabaseRowSink::Flush(int timeout_ms) {
  if (!failed_.ok()) return failed_;
  return FlushBatch();
}

base::Status DatabaseRowSink::Fail(base::Status st) {
  for (const auto& p : pending_) callback_(p.token, st);
  pending_.clear();
  if (failed_.ok()) failed_ = st;
  return st;
}

base::Status DatabaseRowSink::FlushBatch() {
  if (!failed_.ok()) return Fail(failed_);
  if (pending_.empty()) return base::Status::Ok();
  // Bounded cache, cleared only between batches (ops hold pointers into it).
  if (targets_.size() >= kMaxTargetCache) targets_.clear();
  if (targets_by_name_.size() >= kMaxTargetCache) targets_by_name_.clear();
  // Tables are resolved (and created) before the batch transaction: DDL commits implicitly on
  // MySQL.
  if (base::Status st = ResolveTables(); !st.ok()) return Fail(st);
  int attempt = 0;
  while (true) {
    base::Status st = ApplyAll();
    if (st.ok()) break;
    static_cast<void>(Exec("ROLLBACK"));
    if (st.code() == base::Code::kAborted && attempt < options_.max_retries) {
      ++attempt;
      Log()->warn("{}; retrying the batch ({}/{})", st.message(), attempt, options_.max_retries);
      std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
      continue;
    }
    if (st.action() == base::Action::kRetry) return Fail(st);
    // A row is at fault: find it (and, with ignore-write-errors, skip it).
    st = ApplyRowByRow();
    if (st.ok()) break;
    static_cast<void>(Exec("ROLLBACK"));
    if (st.code() == base::Code::kAborted && attempt < options_.max_retries) {
      ++attempt;
      continue;
    }
    return Fail(st);
  }
  ++committed_batches_;
  for (const auto& p : pending_) callback_(p.token, base::Status::Ok());
  pending_.clear();
  return base::Status::Ok();
}

base::Status DatabaseRowSink::ResolveTables() {
  for (const auto& p : pending_) {
    SLUICE_ASSIGN_OR_RETURN(const TargetTable* t, Resolve(p.table));
    static_cast<void>(t);
  }
  return base::Status::Ok();
}

base::Result<std::string> DatabaseRowSink::TargetIdentifier(std::string_view what,
                                                            const std::string& name,
                                                            const model::TableSchema& source) const {
  IdentifierLimit limit = identifier_limit();
  size_t length = limit.in_bytes ? name.size() : Utf8Chars(name);
  if (length <= limit.max) return name;
  // Documented rule (docs/database-sinks.md): the first characters that fit, '_', and the
  // CRC-32 of the whole name as 8 hex digits, so distinct long names stay distinct.
  std::string mapped = Utf8Prefix(name, limit.max - 9, limit.in_bytes) +
                       fmt::format("_{:08x}", base::Crc32(name));
  const char* unit = limit.in_bytes ? "bytes" : "characters";
  if (!options_.truncate_identifiers) {
    return base::FailedPrecondition(
        "the {} name '{}' of source table {}.{} is {} {} long; {} allows at most {} {} "
        "({}); rename it upstream, or set truncate-identifiers=true in the sink URI to map it "
        "to '{}' (docs/database-sinks.md, long names)",
        what, name, source.schema, source.table, length, unit, TargetName(), limit.max, unit,
        limit.in_bytes ? "longer names are silently cut, which can hit the wrong table or column"
                       : "longer names are refused",
        mapped);
  }
  return mapped;
}

base::Result<const TargetTable*> DatabaseRowSink::Resolve(const model::TableSchemaPtr& table) {
  auto it = targets_.find(table.get());
  if (it != targets_.end()) return &it->second.second;
  const model::TableSchema& s = *table;
  std::string name = s.schema + "." + s.table;
  std::string signature;
  for (const auto& c : s.columns) {
    signature += c.name + '\x1f' + std::string(model::ColumnTypeName(c.type)) + '\x1e';
  }
  for (size_t k : s.primary_key) signature += std::to_string(k) + ',';
  if (auto by_name = targets_by_name_.find(name);
      by_name != targets_by_name_.end() && by_name->second.first == signature) {
    auto [pos, inserted] =
        targets_.emplace(table.get(), std::make_pair(table, by_name->second.second));
    return &pos->second.second;
  }
  if (s.primary_key.empty()) {
    return base::FailedPrecondition(
        "table {}.{} has no primary key; the database sink applies rows by key: add one "
        "upstream (ALTER TABLE {}.{} ADD PRIMARY KEY (...)) or exclude the table with a "
        "filter rule",
        s.schema, s.table, s.schema, s.table);
  }
  // Names as the target holds them (identifier limits; see TargetIdentifier).
  SLUICE_ASSIGN_OR_RETURN(std::string ns,
                          TargetIdentifier("database/schema", TargetNamespace(s), s));
  model::TableSchema mapped = s;
  SLUICE_ASSIGN_OR_RETURN(mapped.table, TargetIdentifier("table", s.table, s));
  std::map<std::string, std::string> column_of;  // lower-cased target name -> source column
  for (auto& col : mapped.columns) {
    std::string source_name = col.name;
    SLUICE_ASSIGN_OR_RETURN(col.name, TargetIdentifier("column", source_name, s));
    auto [it, fresh] = column_of.emplace(ToLower(col.name), source_name);
    if (!fresh) {
      return base::FailedPrecondition(
          "columns '{}' and '{}' of source table {}.{} both map to column '{}' on {}; rename "
          "one of them upstream",
          it->second, source_name, s.schema, s.table, col.name, TargetName());
    }
  }
  TargetTable target;
  target.display = ns + "." + mapped.table;
  target.name = QuoteIdent(ns) + "." + QuoteIdent(mapped.table);
  target.key = s.primary_key;
  if (auto [it, fresh] = source_of_target_.emplace(ToLower(target.display), name);
      !fresh && it->second != name) {
    return base::FailedPrecondition(
        "source tables {} and {} both map to target table {} on {}; rename one of them "
        "upstream or give them different target databases",
        it->second, name, target.display, TargetName());
  }
  TargetInfo info;
  SLUICE_RETURN_IF_ERROR(LoadTarget(ns, mapped.table, &info));
  if (info.exists && !info.access_problem.empty()) {
    return base::FailedPrecondition("target table {} exists on {} {}, but {}", target.display,
                                    TargetName(), options_.Endpoint(), info.access_problem);
  }
  if (!info.exists) {
    if (!info.access_problem.empty()) {
      return base::FailedPrecondition("target table {} on {} {}: {}", target.display,
                                      TargetName(), options_.Endpoint(), info.access_problem);
    }
    if (!options_.create_tables) {
      return base::FailedPrecondition(
          "target table {} does not exist on {} {}; create it with the columns of {}.{} and "
          "a primary key on the same columns, or set create-tables=true in the sink URI",
          target.display, TargetName(), options_.Endpoint(), s.schema, s.table);
    }
    SLUICE_RETURN_IF_ERROR(CreateTarget(ns, mapped));
    Log()->info("created target table {} on {} {}", target.display, TargetName(),
                options_.Endpoint());
    info = TargetInfo();
    SLUICE_RETURN_IF_ERROR(LoadTarget(ns, mapped.table, &info));
    if (!info.exists) {
      return base::Internal("target table {} still missing after CREATE TABLE", target.display);
    }
  }
  for (const auto& col : mapped.columns) {
    const std::string* found = nullptr;
    for (const auto& tc : info.columns) {
      if (tc == col.name) found = &tc;
    }
    for (const auto& tc : info.columns) {
      if (!found && ToLower(tc) == ToLower(col.name)) found = &tc;
    }
    if (!found) {
      return base::FailedPrecondition(
          "target table {} on {} {} has no column {} (source table {}.{} has it); add it, e.g. "
          "ALTER TABLE {} ADD COLUMN {} {}",
          target.display, TargetName(), options_.Endpoint(), col.name, s.schema, s.table,
          target.name, QuoteIdent(col.name),
          TargetName() == "PostgreSQL" ? PostgresTypeFor(col) : MySqlTypeFor(col));
    }
    target.columns.push_back(QuoteIdent(*found));
  }
  std::set<std::string> key;
  std::string key_list;
  for (size_t k : s.primary_key) {
    key.insert(ToLower(mapped.columns[k].name));
    key_list += (key_list.empty() ? "" : ", ") + mapped.columns[k].name;
  }
  bool has_key = false;
  for (const auto& uk : info.unique_keys) {
    std::set<std::string> cols;
    for (const auto& c : uk) cols.insert(ToLower(c));
    if (cols == key) has_key = true;
  }
  if (!has_key) {
    return base::FailedPrecondition(
        "target table {} on {} {} has no PRIMARY KEY or UNIQUE index on ({}), the key of {}.{}; "
        "upserts need it: ALTER TABLE {} ADD PRIMARY KEY ({})",
        target.display, TargetName(), options_.Endpoint(), key_list, s.schema, s.table, target.name,
        key_list);
  }
  targets_by_name_[name] = {signature, target};
  auto [pos, inserted] = targets_.emplace(table.get(), std::make_pair(table, std::move(target)));
  return &pos->second.second;
}

std::string DatabaseRowSink::KeyText(const model::TableSchema& t,
                                     const std::vector<model::Value>& image) const {
  std::string out;
  for (size_t k : t.primary_key) {
    const auto& v = image[k];
    out += static_cast<char>(v.kind());
    out += DisplayValue(t.columns[k], v);
    out += '\x1f';
  }
  return out;
}

std::vector<DatabaseRowSink::Op> DatabaseRowSink::OpsFor(const Pending& p,
                                                         const TargetTable* target) const {
  std::vector<Op> ops;
  const auto& t = *p.table;
  auto make = [&](bool upsert, const std::vector<model::Value>& image) {
    Op op{upsert, &t, target, {&image}, {KeyText(t, image)}};
    ops.push_back(std::move(op));
  };
  switch (p.op) {
    case model::RowOp::kInsert:
      make(true, p.after);
      break;
    case model::RowOp::kUpdate: {
      bool key_changed = false;
      for (size_t k : t.primary_key) {
        if (k < p.before.size() && k < p.after.size() && !(p.before[k] == p.after[k])) {
          key_changed = true;
        }
      }
      if (key_changed) make(false, p.before);
      make(true, p.after);
      break;
    }
    case model::RowOp::kDelete:
      make(false, p.before);
      break;
  }
  return ops;
}

base::Status DatabaseRowSink::RunOp(const Op& op) {
  for (const auto* image : op.rows) {
    if (image->size() != op.table->columns.size()) {
      return base::InvalidArgument("a row of {}.{} has {} values for {} columns", op.table->schema,
                                   op.table->table, image->size(), op.table->columns.size());
    }
  }
  return op.upsert ? ExecUpsert(*op.target, *op.table, op.rows)
                   : ExecDelete(*op.target, *op.table, op.rows);
}

base::Status DatabaseRowSink::ApplyAll() {
  SLUICE_RETURN_IF_ERROR(Exec("BEGIN"));
  std::vector<Op> ops;
  for (const auto& p : pending_) {
    SLUICE_ASSIGN_OR_RETURN(const TargetTable* target, Resolve(p.table));
    for (auto& op : OpsFor(p, target)) {
      if (!ops.empty()) {
        Op& last = ops.back();
        bool same = last.upsert == op.upsert && last.table == op.table;
        bool repeats = std::find(last.keys.begin(), last.keys.end(), op.keys[0]) != last.keys.end();
        if (same && !repeats) {
          last.rows.push_back(op.rows[0]);
          last.keys.push_back(std::move(op.keys[0]));
          continue;
        }
      }
      ops.push_back(std::move(op));
    }
  }
  for (const auto& op : ops) SLUICE_RETURN_IF_ERROR(RunOp(op));
  return Exec("COMMIT");
}

std::string DatabaseRowSink::DescribeRow(const Pending& p) const {
  const auto& t = *p.table;
  const auto& image = p.op == model::RowOp::kInsert ? p.after : p.before;
  std::string key;
  for (size_t k : t.primary_key) {
    if (!key.empty()) key += ", ";
    key +=
        t.columns[k].name + "=" + (k < image.size() ? DisplayValue(t.columns[k], image[k]) : "?");
  }
  return fmt::format("{} of {}.{} key ({})", OpName(p.op), t.schema, t.table, key);
}

base::Status DatabaseRowSink::ApplyRowByRow() {
  SLUICE_RETURN_IF_ERROR(Exec("BEGIN"));
  for (const auto& p : pending_) {
    SLUICE_ASSIGN_OR_RETURN(const TargetTable* target, Resolve(p.table));
    SLUICE_RETURN_IF_ERROR(Exec("SAVEPOINT sluice_row"));
    base::Status st;
    for (const auto& op : OpsFor(p, target)) {
      st = RunOp(op);
      if (!st.ok()) break;
    }
    if (st.ok()) continue;
    if (st.action() == base::Action::kRetry) return st;
    bool permission = LastErrorWasPermission();
    SLUICE_RETURN_IF_ERROR(Exec("ROLLBACK TO SAVEPOINT sluice_row"));
    std::string what =
        fmt::format("{} into {} on {} {} failed: {}", DescribeRow(p), target->display, TargetName(),
                    options_.Endpoint(), st.message());
    if (options_.ignore_write_errors && !permission) {
      ++ignored_rows_;
      Log()->warn(
          "{}; row SKIPPED because ignore-write-errors=true (data-loss risk; {} rows "
          "skipped so far)",
          what, ignored_rows_);
      continue;
    }
    if (permission) {
      return base::Status(st.code(),
                          fmt::format("{}; grant the sink user ({}) SELECT, INSERT, UPDATE and "
                                      "DELETE on {}",
                                      what, options_.user, target->display));
    }
    return base::Status(st.code(),
                        what +
                            "; fix the target table or the value upstream, or set "
                            "ignore-write-errors=true to skip such rows (data-loss risk)");
  }
  return Exec("COMMIT");
}

}  // namespace sluice::sink::database
