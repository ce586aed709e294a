// Micro-benchmarks (Google Benchmark): per-row cost of the hot paths, single thread, no I/O.
//
// Input: fixtures/bench_rows.binlog, the binlog of bench/run.sh's 10-column table with one
// INSERT, one UPDATE and one DELETE of 200 rows each (fixtures/capture.sh regenerates it).
//
//   decode/binlog/<op>         BinlogParser::Consume on the captured events (table map + rows
//                              events of that statement), per row
//   encode/<format>/<op>       Encoder::EncodeRow per row, for every format in Encoders()
//   decode/<format>/<op>       the format's message decoder per row, for every format in
//                              Decoders() (messages produced by the matching encoder)
//
// Adding a format = one entry in Encoders() (and, if it has a decoder, one in Decoders()).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <map>

#include "codec/avro/avro_encoder.h"
#include "codec/avro/schema_registry_client.h"
#include "codec/canal_json/canal_json_decoder.h"
#include "codec/canal_json/canal_json_encoder.h"
#include "codec/canal_json/canal_json_row_decoder.h"
#include "codec/debezium/debezium_decoder.h"
#include "codec/debezium/debezium_json_encoder.h"
#include "codec/encoder.h"
#include "model/change_event.h"
#include "source/mysql/binlog_parser.h"

namespace sluice::bench {
namespace {

using model::ChangeEvent;
using model::RowOp;

// --- formats: one entry per encoder / decoder -------------------------------------------------

// An in-process registry: the Avro benchmark measures encoding, not HTTP (the real client
// caches ids, so a steady-state row never reaches the registry either).
class MemoryRegistry : public codec::avro::SchemaRegistryClient {
 public:
  base::Result<int32_t> Register(const std::string& subject, const std::string& schema) override {
    auto [it, inserted] = ids_.emplace(subject + "\n" + schema, static_cast<int32_t>(ids_.size() + 1));
    return it->second;
  }
  base::Result<std::string> SchemaById(int32_t) override { return std::string(); }
  std::string DisplayUrl() const override { return "memory://"; }

 private:
  std::map<std::string, int32_t> ids_;
};

// Decodes with a RowDecoder (the Kafka source's path: message -> typed rows).
std::function<bool(const codec::Message&)> RowDecode(std::shared_ptr<codec::RowDecoder> decoder) {
  return [decoder](const codec::Message& m) {
    codec::KafkaRecord rec;
    rec.topic = "bench";
    if (m.key) rec.key = *m.key;
    rec.value = std::string_view(m.value);
    codec::DecodeResult out;
    bool ok = decoder->Decode(rec, &out).ok();
    benchmark::DoNotOptimize(out);
    return ok;
  };
}

struct EncoderCase {
  std::string name;
  std::function<std::unique_ptr<codec::Encoder>()> make;
};

const std::vector<EncoderCase>& Encoders() {
  static const std::vector<EncoderCase> cases = {
      {"canal_json",
       [] {
         return std::make_unique<codec::canal_json::CanalJsonEncoder>(
             codec::canal_json::CanalJsonOptions{});
       }},
      {"canal_json_tidb",
       [] {
         codec::canal_json::CanalJsonOptions o;
         o.enable_tidb_extension = true;
         return std::make_unique<codec::canal_json::CanalJsonEncoder>(o);
       }},
      {"avro",
       [] {
         return std::make_unique<codec::avro::AvroEncoder>(
             codec::avro::AvroEncoderOptions{}, std::make_shared<MemoryRegistry>(),
             [](const std::string& db, const std::string& table) { return db + "." + table; });
       }},
      {"debezium",
       [] {
         return std::make_unique<codec::debezium::DebeziumJsonEncoder>(
             codec::debezium::DebeziumJsonOptions{});
       }},
  };
  return cases;
}

struct DecoderCase {
  std::string name;                                   // benchmark name
  std::string encoder;                                // the Encoders() entry whose output it reads
  std::function<bool(const codec::Message&)> decode;  // false = decode error
};

const std::vector<DecoderCase>& Decoders() {
  static const std::vector<DecoderCase> cases = {
      {"canal_json", "canal_json",
       [](const codec::Message& m) {
         auto r = codec::canal_json::DecodeCanalJson(m.value);
         benchmark::DoNotOptimize(r);
         return r.ok();
       }},
      {"canal_json_rows", "canal_json",
       RowDecode(std::make_shared<codec::canal_json::CanalJsonRowDecoder>(
           codec::canal_json::CanalJsonRowDecoderOptions{}))},
      {"debezium_rows", "debezium",
       RowDecode(std::make_shared<codec::debezium::DebeziumDecoder>())},
  };
  return cases;
}

// --- input ------------------------------------------------------------------------------------

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::span<const uint8_t>> SplitEvents(const std::vector<uint8_t>& file) {
  std::vector<std::span<const uint8_t>> events;
  size_t pos = 4;
  while (pos + 19 <= file.size()) {
    uint32_t len = file[pos + 9] | file[pos + 10] << 8 | file[pos + 11] << 16 |
                   static_cast<uint32_t>(file[pos + 12]) << 24;
    if (len < 19 || pos + len > file.size()) break;
    events.emplace_back(file.data() + pos, len);
    pos += len;
  }
  return events;
}

constexpr uint8_t kTableMapEvent = 19;
constexpr uint8_t kWriteRowsV1 = 23, kUpdateRowsV1 = 24, kDeleteRowsV1 = 25;
constexpr uint8_t kWriteRowsV2 = 30, kUpdateRowsV2 = 31, kDeleteRowsV2 = 32;

RowOp OpOf(uint8_t type) {
  if (type == kWriteRowsV1 || type == kWriteRowsV2) return RowOp::kInsert;
  if (type == kUpdateRowsV1 || type == kUpdateRowsV2) return RowOp::kUpdate;
  return RowOp::kDelete;
}

bool IsRows(uint8_t type) {
  return (type >= kWriteRowsV1 && type <= kDeleteRowsV1) ||
         (type >= kWriteRowsV2 && type <= kDeleteRowsV2);
}

struct Input {
  std::vector<uint8_t> file;
  std::vector<std::span<const uint8_t>> events;
  std::vector<std::span<const uint8_t>> preamble;  // FDE and everything before the first DML
  // Per op: the table map and rows events of its statement, and the decoded rows.
  std::vector<std::span<const uint8_t>> op_events[3];
  std::vector<ChangeEvent> rows[3];
};

Input* g_input = nullptr;

bool LoadInput(const std::string& path) {
  auto* in = new Input;
  in->file = ReadFile(path);
  in->events = SplitEvents(in->file);
  if (in->events.empty()) {
    std::fprintf(stderr, "cannot read binlog events from %s\n", path.c_str());
    return false;
  }
  // Group: each DML statement is TABLE_MAP followed by one or more ROWS events.
  std::span<const uint8_t> last_map;
  bool seen_dml = false;
  for (auto ev : in->events) {
    uint8_t type = ev[4];
    if (type == kTableMapEvent) {
      last_map = ev;
      seen_dml = true;
      continue;
    }
    if (!seen_dml) in->preamble.push_back(ev);
    if (IsRows(type)) {
      auto& v = in->op_events[static_cast<int>(OpOf(type))];
      if (v.empty() || v.front().data() != last_map.data()) v.push_back(last_map);
      v.push_back(ev);
    }
  }
  source::mysql::BinlogParser parser;
  std::vector<ChangeEvent> out;
  for (auto ev : in->events) {
    auto st = parser.Consume(ev, &out);
    if (!st.ok()) {
      std::fprintf(stderr, "parse: %s\n", st.message().c_str());
      return false;
    }
  }
  for (auto& e : out) {
    if (e.kind == ChangeEvent::Kind::kRow && e.row.table->table == "t") {
      in->rows[static_cast<int>(e.row.op)].push_back(e);
    }
  }
  for (int op = 0; op < 3; ++op) {
    if (in->rows[op].empty() || in->op_events[op].empty()) {
      std::fprintf(stderr, "fixture %s lacks rows for op %d\n", path.c_str(), op);
      return false;
    }
  }
  g_input = in;
  return true;
}

const char* OpName(int op) { return op == 0 ? "insert" : op == 1 ? "update" : "delete"; }

// --- benchmarks -------------------------------------------------------------------------------

// The parser is primed with the preamble (FDE, GTID list, ...); each iteration feeds one
// statement's TABLE_MAP + ROWS events (the table map is re-parsed, as it is in a live stream).
void BinlogDecode(benchmark::State& state, int op) {
  source::mysql::BinlogParser parser;
  std::vector<ChangeEvent> out;
  for (auto ev : g_input->preamble) {
    if (!parser.Consume(ev, &out).ok()) {
      state.SkipWithError("preamble does not parse");
      return;
    }
  }
  const auto& events = g_input->op_events[op];
  size_t rows = 0;
  for (auto _ : state) {
    out.clear();
    for (auto ev : events) {
      auto st = parser.Consume(ev, &out);
      if (!st.ok()) {
        state.SkipWithError(st.message().c_str());
        return;
      }
    }
    rows += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}

void Encode(benchmark::State& state, const EncoderCase& c, int op) {
  auto enc = c.make();
  const auto& rows = g_input->rows[op];
  codec::Message msg;
  size_t n = 0, bytes = 0;
  for (auto _ : state) {
    for (const auto& e : rows) {
      msg = codec::Message();  // as the pipeline does: each message is moved into the sink
      auto st = enc->EncodeRow(e.row, e.txn, &msg);
      if (!st.ok()) {
        state.SkipWithError(st.message().c_str());
        return;
      }
      bytes += msg.value.size();
      benchmark::DoNotOptimize(msg.value.data());
    }
    n += rows.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void Decode(benchmark::State& state, const DecoderCase& c, int op) {
  const EncoderCase* ec = nullptr;
  for (const auto& e : Encoders()) {
    if (e.name == c.encoder) ec = &e;
  }
  if (!ec) {
    state.SkipWithError("no encoder for this decoder");
    return;
  }
  auto enc = ec->make();
  std::vector<codec::Message> msgs;
  for (const auto& e : g_input->rows[op]) {
    msgs.emplace_back();
    if (!enc->EncodeRow(e.row, e.txn, &msgs.back()).ok()) {
      state.SkipWithError("encode failed");
      return;
    }
  }
  size_t n = 0;
  for (auto _ : state) {
    for (const auto& m : msgs) {
      if (!c.decode(m)) {
        state.SkipWithError("decode failed");
        return;
      }
    }
    n += msgs.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

void RegisterAll() {
  for (int op = 0; op < 3; ++op) {
    benchmark::RegisterBenchmark((std::string("decode/binlog/") + OpName(op)).c_str(), BinlogDecode,
                                 op);
  }
  for (const auto& c : Encoders()) {
    for (int op = 0; op < 3; ++op) {
      benchmark::RegisterBenchmark(("encode/" + c.name + "/" + OpName(op)).c_str(), Encode, c, op);
    }
  }
  for (const auto& c : Decoders()) {
    for (int op = 0; op < 3; ++op) {
      benchmark::RegisterBenchmark(("decode/" + c.name + "/" + OpName(op)).c_str(), Decode, c, op);
    }
  }
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const char* fixture = std::getenv("SLUICE_MICRO_FIXTURE");
  if (!sluice::bench::LoadInput(fixture ? fixture : SLUICE_MICRO_FIXTURE)) return 1;
  sluice::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
