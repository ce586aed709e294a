#include "model/position.h"

#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "base/percent_encoding.h"

namespace sluice::model {

namespace {

template <typename T>
bool ParseNumber(std::string_view s, T* out, int base = 10) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

}  // namespace

std::string BinlogPosition::ToString() const { return fmt::format("{}:{}", file, offset); }

base::Result<BinlogPosition> BinlogPosition::Parse(std::string_view text) {
  size_t colon = text.rfind(':');
  BinlogPosition p;
  if (colon == std::string_view::npos || colon == 0 ||
      !ParseNumber(text.substr(colon + 1), &p.offset)) {
    return base::InvalidArgument(
        "binlog position '{}' is not of the form <file>:<offset>, e.g. mysql-bin.000003:4", text);
  }
  p.file = std::string(text.substr(0, colon));
  return p;
}

std::string MariaGtid::ToString() const {
  return fmt::format("{}-{}-{}", domain_id, server_id, seq_no);
}

base::Result<MariaGtid> MariaGtid::Parse(std::string_view text) {
  auto parts = Split(text, '-');
  MariaGtid g;
  if (parts.size() != 3 || !ParseNumber(parts[0], &g.domain_id) ||
      !ParseNumber(parts[1], &g.server_id) || !ParseNumber(parts[2], &g.seq_no)) {
    return base::InvalidArgument(
        "GTID '{}' is not a MariaDB GTID <domain>-<server>-<seq>, e.g. 0-1-27", text);
  }
  return g;
}

bool MariaGtidSet::Covers(const MariaGtidSet& other) const {
  for (const auto& [domain, gtid] : other.by_domain_) {
    auto it = by_domain_.find(domain);
    if (it == by_domain_.end() || it->second.seq_no < gtid.seq_no) return false;
  }
  return true;
}

std::string MariaGtidSet::ToString() const {
  std::string out;
  for (const auto& [domain, gtid] : by_domain_) {
    if (!out.empty()) out += ',';
    out += gtid.ToString();
  }
  return out;
}

base::Result<MariaGtidSet> MariaGtidSet::Parse(std::string_view text) {
  MariaGtidSet set;
  if (text.empty()) return set;
  for (auto part : Split(text, ',')) {
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    SLUICE_ASSIGN_OR_RETURN(MariaGtid g, MariaGtid::Parse(part));
    set.Update(g);
  }
  return set;
}

std::string Lsn::ToString() const {
  return fmt::format("{:X}/{:X}", value >> 32, value & 0xFFFFFFFFu);
}

std::string SourcePosition::Serialize() const {
  std::string out;
  if (!binlog.empty()) out += "binlog=" + binlog.ToString();
  if (!gtids.empty()) {
    if (!out.empty()) out += ';';
    out += "gtid=" + gtids.ToString();
  }
  if (lsn) {
    if (!out.empty()) out += ';';
    out += "lsn=" + lsn->ToString();
  }
  if (!kafka.empty()) {
    if (!out.empty()) out += ';';
    out += "kafka=";
    bool first = true;
    for (const auto& [tp, offset] : kafka) {
      if (!first) out += ',';
      first = false;
      out += fmt::format("{}:{}:{}", tp.topic, tp.partition, offset.value);
    }
  }
  if (!snapshot.empty()) {
    if (!out.empty()) out += ';';
    out += "snapshot=" + base::PercentEncode(snapshot);
  }
  return out;
}

base::Result<SourcePosition> SourcePosition::Deserialize(std::string_view text) {
  SourcePosition pos;
  if (text.empty()) return pos;
  for (auto part : Split(text, ';')) {
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return base::InvalidArgument("position '{}': expected key=value parts", text);
    }
    auto key = part.substr(0, eq);
    auto val = part.substr(eq + 1);
    if (key == "binlog") {
      SLUICE_ASSIGN_OR_RETURN(pos.binlog, BinlogPosition::Parse(val));
    } else if (key == "gtid") {
      SLUICE_ASSIGN_OR_RETURN(pos.gtids, MariaGtidSet::Parse(val));
    } else if (key == "lsn") {
      size_t slash = val.find('/');
      uint64_t hi = 0, lo = 0;
      if (slash == std::string_view::npos || !ParseNumber(val.substr(0, slash), &hi, 16) ||
          !ParseNumber(val.substr(slash + 1), &lo, 16)) {
        return base::InvalidArgument("LSN '{}' is not of the form X/Y (hex)", val);
      }
      pos.lsn = Lsn{(hi << 32) | lo};
    } else if (key == "kafka") {
      for (auto entry : Split(val, ',')) {
        // <topic>:<partition>:<next offset>
        size_t c2 = entry.rfind(':');
        size_t c1 = c2 == std::string_view::npos || c2 == 0 ? std::string_view::npos
                                                            : entry.rfind(':', c2 - 1);
        KafkaPartition tp;
        KafkaOffset offset;
        if (c1 == std::string_view::npos || c1 == 0 ||
            !ParseNumber(entry.substr(c1 + 1, c2 - c1 - 1), &tp.partition) ||
            !ParseNumber(entry.substr(c2 + 1), &offset.value) || tp.partition < 0 ||
            offset.value < 0) {
          return base::InvalidArgument(
              "Kafka position '{}' is not of the form <topic>:<partition>:<next offset>, e.g. "
              "orders:0:42",
              entry);
        }
        tp.topic = std::string(entry.substr(0, c1));
        pos.kafka[std::move(tp)] = offset;
      }
    } else if (key == "snapshot") {
      if (!base::PercentDecode(val, &pos.snapshot)) {
        return base::InvalidArgument("position '{}': the snapshot part is not percent-encoded",
                                     text);
      }
    } else {
      return base::InvalidArgument("position '{}': unknown part '{}'", text, key);
    }
  }
  return pos;
}

}  // namespace sluice::model
