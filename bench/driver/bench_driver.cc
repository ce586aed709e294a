// bench_driver: the measuring side of bench/run.sh. It never touches the system under test
// except through MariaDB, Kafka and /proc, so sluice and Debezium are measured the same way.
//
//   bench_driver create-topics --brokers B --partitions N TOPIC...
//       Creates the topics (an existing topic is fine).
//   bench_driver drain --brokers B --topic T --expect N [--pid P] [--since-ns NS]
//                      [--timeout S] [--out FILE]
//       Polls the topic's high watermarks every 20 ms until they sum to N messages, sampling
//       /proc/P (utime+stime, VmHWM). Reports startup (launch -> first message), drain time
//       (first message -> last), rows/s, CPU seconds of the drain and per million rows, and
//       peak RSS. Exit 1 on timeout (the JSON still says how far it got).
//   bench_driver latency --mysql HOST:PORT --user U --password P --table DB.TBL --brokers B
//                        --topic T [--rate R] [--seconds S] [--warmup W] [--batch K]
//                        [--id-base I] [--pid P] [--out FILE]
//       Inserts R rows/s for S seconds (K rows per autocommit INSERT, on a fixed schedule), each
//       carrying the client's wall clock in column ins_us, while a consumer reading T from its
//       current end records arrival time minus ins_us for every row (the last "ins_us" value in
//       the message: canal-json's data or Debezium's after). Samples of the first W seconds are
//       warm-up and dropped. Reports p50/p90/p99/p99.9/max, rows sent and received.
//
// Results are one JSON object (to --out and stdout).
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/mysql/mysql_connection.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "bench_driver: %s\n", msg.c_str());
  std::exit(2);
}

int64_t WallUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

int64_t WallNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// --key value arguments after the subcommand; bare words are positional.
struct Args {
  std::map<std::string, std::string> kv;
  std::vector<std::string> pos;
  std::string Get(const std::string& k) const {
    auto it = kv.find(k);
    if (it == kv.end()) Die("missing --" + k);
    return it->second;
  }
  std::string GetOr(const std::string& k, const std::string& def) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  double Num(const std::string& k, double def) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : std::stod(it->second);
  }
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      if (i + 1 >= argc) Die("no value for " + s);
      a.kv[s.substr(2)] = argv[++i];
    } else {
      a.pos.push_back(s);
    }
  }
  return a;
}

// CPU seconds (user + system) and peak RSS (VmHWM, kB) of a process; zeros if it is gone.
struct ProcSample {
  double cpu_s = 0;
  uint64_t hwm_kb = 0;
  uint64_t rss_kb = 0;
};

ProcSample SampleProc(int pid) {
  ProcSample s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto rp = text.rfind(')');  // the command name may contain spaces
  if (rp != std::string::npos) {
    std::istringstream in(text.substr(rp + 2));
    std::string f;
    // Fields after the name start at field 3 (state); utime and stime are fields 14 and 15.
    for (int field = 3; field <= 15 && in >> f; ++field) {
      if (field == 14 || field == 15) s.cpu_s += std::stod(f) / sysconf(_SC_CLK_TCK);
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = std::stoull(line.substr(6));
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stoull(line.substr(6));
  }
  return s;
}

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

KafkaPtr NewClient(rd_kafka_type_t type, const std::string& brokers,
                   const std::map<std::string, std::string>& extra = {}) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      Die("kafka conf " + k + ": " + err);
    }
  };
  set("bootstrap.servers", brokers);
  set("log_level", "3");
  for (const auto& [k, v] : extra) set(k, v);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (!rk) Die(std::string("rd_kafka_new: ") + err);
  return KafkaPtr(rk);
}

// Partition ids of `topic`; empty if it does not exist (yet).
std::vector<int32_t> Partitions(rd_kafka_t* rk, const std::string& topic) {
  std::vector<int32_t> out;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR && md) {
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (md->topics[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      for (int p = 0; p < md->topics[i].partition_cnt; ++p) {
        out.push_back(md->topics[i].partitions[p].id);
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  return out;
}

// Sum of the high watermarks (= messages, the topics are never compacted or truncated here).
int64_t HighWatermarks(rd_kafka_t* rk, const std::string& topic, const std::vector<int32_t>& parts,
                       std::vector<int64_t>* per = nullptr) {
  int64_t sum = 0;
  if (per) per->clear();
  for (int32_t p : parts) {
    int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 5000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return -1;
    }
    sum += hi;
    if (per) per->push_back(hi);
  }
  return sum;
}

void Emit(const Args& a, const std::string& json) {
  std::printf("%s\n", json.c_str());
  auto it = a.kv.find("out");
  if (it != a.kv.end()) {
    std::ofstream out(it->second);
    out << json << "\n";
    if (!out) Die("cannot write " + it->second);
  }
}

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

int CreateTopics(const Args& a) {
  auto rk = NewClient(RD_KAFKA_PRODUCER, a.Get("brokers"));
  int parts = static_cast<int>(a.Num("partitions", 1));
  std::vector<rd_kafka_NewTopic_t*> topics;
  char err[512];
  for (const auto& name : a.pos) {
    topics.push_back(rd_kafka_NewTopic_new(name.c_str(), parts, 1, err, sizeof(err)));
    if (!topics.back()) Die(err);
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), topics.data(), topics.size(), nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  int rc = 0;
  if (!ev) Die("CreateTopics timed out");
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    auto e = rd_kafka_topic_result_error(results[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      std::fprintf(stderr, "create %s: %s\n", rd_kafka_topic_result_name(results[i]),
                   rd_kafka_err2str(e));
      rc = 1;
    }
  }
  rd_kafka_event_destroy(ev);
  for (auto* t : topics) rd_kafka_NewTopic_destroy(t);
  rd_kafka_queue_destroy(q);
  return rc;
}

int Drain(const Args& a) {
  const std::string topic = a.Get("topic");
  const int64_t expect = static_cast<int64_t>(a.Num("expect", -1));
  if (expect < 0) Die("missing --expect");
  const int pid = static_cast<int>(a.Num("pid", 0));
  const int64_t since_ns = static_cast<int64_t>(a.Num("since-ns", static_cast<double>(WallNs())));
  const double timeout_s = a.Num("timeout", 1800);
  // Messages already in the topic before the measured run (e.g. a probe) are not counted.
  const int64_t base = static_cast<int64_t>(a.Num("base", 0));
  auto rk = NewClient(RD_KAFKA_PRODUCER, a.Get("brokers"));

  const auto start = Clock::now();
  std::vector<int32_t> parts;
  int64_t count = 0, first_count = -1;
  int64_t first_ns = 0, done_ns = 0;
  ProcSample first_sample, last;
  bool done = false;
  while (std::chrono::duration<double>(Clock::now() - start).count() < timeout_s) {
    if (parts.empty()) parts = Partitions(rk.get(), topic);
    if (!parts.empty()) {
      int64_t hw = HighWatermarks(rk.get(), topic, parts);
      if (hw >= 0) count = hw - base;
    }
    ProcSample s = SampleProc(pid);
    if (s.hwm_kb) last = s;
    if (count > 0 && first_count < 0) {
      first_count = count;
      first_ns = WallNs();
      first_sample = s;
    }
    if (count >= expect) {
      done_ns = WallNs();
      done = true;
      break;
    }
    if (pid > 0 && ::kill(pid, 0) != 0) {
      std::fprintf(stderr, "bench_driver: process %d exited during the drain\n", pid);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!done) done_ns = WallNs();
  const double drain_s = first_ns ? (done_ns - first_ns) / 1e9 : 0;
  const double measured_rows = first_count >= 0 ? static_cast<double>(count - first_count) : 0;
  const double cpu_drain = last.cpu_s - first_sample.cpu_s;
  std::string json = "{\"topic\":\"" + topic + "\",\"done\":" + (done ? "true" : "false") +
                     ",\"expected\":" + std::to_string(expect) +
                     ",\"messages\":" + std::to_string(count) +
                     ",\"startup_s\":" + Fmt("%.3f", first_ns ? (first_ns - since_ns) / 1e9 : 0) +
                     ",\"wall_s\":" + Fmt("%.3f", (done_ns - since_ns) / 1e9) +
                     ",\"drain_s\":" + Fmt("%.3f", drain_s) +
                     ",\"rows_per_s\":" + Fmt("%.0f", drain_s > 0 ? measured_rows / drain_s : 0) +
                     ",\"cpu_s_total\":" + Fmt("%.2f", last.cpu_s) +
                     ",\"cpu_s_drain\":" + Fmt("%.2f", cpu_drain) + ",\"cpu_s_per_million\":" +
                     Fmt("%.2f", measured_rows > 0 ? cpu_drain / (measured_rows / 1e6) : 0) +
                     ",\"peak_rss_mb\":" + Fmt("%.1f", last.hwm_kb / 1024.0) + "}";
  Emit(a, json);
  return done ? 0 : 1;
}

// The integer after the last `"ins_us":` in a message (quoted for canal-json, bare for
// Debezium JSON), or -1.
int64_t InsertTimeUs(const char* p, size_t n) {
  static constexpr std::string_view kKey = "\"ins_us\":";
  std::string_view s(p, n);
  size_t at = s.rfind(kKey);
  if (at == std::string_view::npos) return -1;
  at += kKey.size();
  if (at < n && s[at] == '"') ++at;
  int64_t v = 0;
  bool any = false;
  while (at < n && s[at] >= '0' && s[at] <= '9') {
    v = v * 10 + (s[at++] - '0');
    any = true;
  }
  return any ? v : -1;
}

int Latency(const Args& a) {
  const std::string topic = a.Get("topic");
  const std::string table = a.Get("table");
  const double rate = a.Num("rate", 10000);
  const double seconds = a.Num("seconds", 30);
  const double warmup = a.Num("warmup", 3);
  const int batch = static_cast<int>(a.Num("batch", 100));
  const int64_t id_base = static_cast<int64_t>(a.Num("id-base", 1));
  const int pid = static_cast<int>(a.Num("pid", 0));

  sluice::client::mysql::ConnectOptions co;
  std::string hp = a.Get("mysql");
  co.host = hp.substr(0, hp.find(':'));
  co.port = static_cast<uint16_t>(std::stoi(hp.substr(hp.find(':') + 1)));
  co.user = a.Get("user");
  co.password = a.GetOr("password", "");
  auto conn = sluice::client::mysql::MySqlConnection::Connect(co);
  if (!conn.ok()) Die(conn.status().message());

  // Consumer positioned at the current end of every partition before the first insert.
  auto rk = NewClient(RD_KAFKA_CONSUMER, a.Get("brokers"),
                      {{"group.id", "bench-latency-" + std::to_string(::getpid())},
                       {"enable.auto.commit", "false"},
                       {"fetch.wait.max.ms", "5"},
                       {"fetch.error.backoff.ms", "5"}});
  std::vector<int32_t> parts = Partitions(rk.get(), topic);
  if (parts.empty()) Die("topic " + topic + " does not exist");
  std::vector<int64_t> ends;
  if (HighWatermarks(rk.get(), topic, parts, &ends) < 0) Die("cannot read watermarks");
  rd_kafka_topic_partition_list_t* tpl = rd_kafka_topic_partition_list_new(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    rd_kafka_topic_partition_list_add(tpl, topic.c_str(), parts[i])->offset = ends[i];
  }
  if (rd_kafka_assign(rk.get(), tpl) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("assign failed");
  rd_kafka_topic_partition_list_destroy(tpl);

  const int64_t start_us = WallUs();
  const int64_t measure_from_us = start_us + static_cast<int64_t>(warmup * 1e6);
  const int64_t total = static_cast<int64_t>(rate * seconds);
  std::atomic<int64_t> sent{0};
  std::atomic<bool> writer_done{false};
  std::string writer_error;
  double max_behind_ms = 0;

  std::thread writer([&] {
    const auto t0 = Clock::now();
    const auto interval = std::chrono::duration<double>(batch / rate);
    int64_t id = id_base;
    std::string sql;
    for (int64_t k = 0; sent < total; ++k) {
      auto due = t0 + std::chrono::duration_cast<Clock::duration>(interval * k);
      std::this_thread::sleep_until(due);
      max_behind_ms = std::max(
          max_behind_ms, std::chrono::duration<double, std::milli>(Clock::now() - due).count());
      int n = static_cast<int>(std::min<int64_t>(batch, total - sent));
      int64_t now = WallUs();
      sql = "INSERT INTO " + table + " VALUES ";
      for (int i = 0; i < n; ++i, ++id) {
        if (i) sql += ',';
        sql += "(" + std::to_string(id) + "," + std::to_string(id % 1000) + ",'lat-" +
               std::to_string(id) + "','latency probe row',12.50," + std::to_string(id % 97) +
               ",0.5,NOW(3),1," + std::to_string(now) + ")";
      }
      auto st = (*conn)->Exec(sql);
      if (!st.ok()) {
        writer_error = st.message();
        break;
      }
      sent += n;
    }
    writer_done = true;
  });

  std::vector<int64_t> lat_us;
  lat_us.reserve(static_cast<size_t>(total));
  int64_t received = 0, unparsable = 0;
  ProcSample before = SampleProc(pid), after;
  auto idle_deadline = Clock::time_point::max();
  while (true) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (m) {
      int64_t now = WallUs();
      if (!m->err) {
        int64_t ins = InsertTimeUs(static_cast<const char*>(m->payload), m->len);
        if (ins < 0) {
          ++unparsable;
        } else if (ins >= start_us) {
          ++received;
          if (ins >= measure_from_us) lat_us.push_back(now - ins);
        }
      }
      rd_kafka_message_destroy(m);
    }
    if (writer_done) {
      if (idle_deadline == Clock::time_point::max()) {
        idle_deadline = Clock::now() + std::chrono::seconds(60);
        after = SampleProc(pid);
      }
      if (received >= sent || Clock::now() > idle_deadline) break;
    }
  }
  writer.join();
  rd_kafka_consumer_close(rk.get());
  if (!writer_error.empty()) Die("writer: " + writer_error);

  std::sort(lat_us.begin(), lat_us.end());
  auto pct = [&](double q) {
    if (lat_us.empty()) return 0.0;
    size_t i = std::min(lat_us.size() - 1, static_cast<size_t>(q * lat_us.size()));
    return lat_us[i] / 1000.0;
  };
  const double achieved = sent / seconds;
  const double phase_cpu = after.cpu_s - before.cpu_s;
  std::string json =
      "{\"topic\":\"" + topic + "\",\"rate\":" + Fmt("%.0f", rate) +
      ",\"achieved_rate\":" + Fmt("%.0f", achieved) + ",\"seconds\":" + Fmt("%.0f", seconds) +
      ",\"batch\":" + std::to_string(batch) + ",\"sent\":" + std::to_string(sent.load()) +
      ",\"received\":" + std::to_string(received) +
      ",\"unparsable\":" + std::to_string(unparsable) +
      ",\"samples\":" + std::to_string(lat_us.size()) +
      ",\"writer_max_behind_ms\":" + Fmt("%.1f", max_behind_ms) +
      ",\"p50_ms\":" + Fmt("%.1f", pct(0.50)) + ",\"p90_ms\":" + Fmt("%.1f", pct(0.90)) +
      ",\"p99_ms\":" + Fmt("%.1f", pct(0.99)) + ",\"p999_ms\":" + Fmt("%.1f", pct(0.999)) +
      ",\"max_ms\":" + Fmt("%.1f", lat_us.empty() ? 0 : lat_us.back() / 1000.0) +
      ",\"cpu_s\":" + Fmt("%.2f", phase_cpu) +
      ",\"cpu_pct\":" + Fmt("%.1f", seconds > 0 ? 100 * phase_cpu / seconds : 0) +
      ",\"peak_rss_mb\":" + Fmt("%.1f", SampleProc(pid).hwm_kb / 1024.0) + "}";
  Emit(a, json);
  return received >= sent ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: bench_driver create-topics|drain|latency --key value ...");
  std::string cmd = argv[1];
  Args a = Parse(argc, argv);
  if (cmd == "create-topics") return CreateTopics(a);
  if (cmd == "drain") return Drain(a);
  if (cmd == "latency") return Latency(a);
  Die("unknown subcommand " + cmd);
}
