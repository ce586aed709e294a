// Helpers shared by the robustness tests (MariaDB connections come from tests/test_mariadb.h): the
// real `sluice run` binary as a child process (own process group, killable with SIGKILL), the
// checkpoint file it writes, and /proc memory sampling.
//
// Everything here throws std::runtime_error on setup failures, which fails the calling test.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "model/position.h"
#include "test_env.h"
#include "test_mariadb.h"

namespace sluice::robustness {

using testing::Env;
using testing::Exec;
using testing::GtidPos;
using testing::RecreateDatabase;
using Clock = std::chrono::steady_clock;

// The names one robustness run uses, unique per process: database and topic rb_<kind>_<pid>,
// changefeed id <kind>-<pid>, and a fresh state directory (emptied here) holding the log.
struct RunNames {
  RunNames(const std::string& kind, const std::string& log_file) {
    const std::string pid = std::to_string(::getpid());
    db = topic = "rb_" + kind + "_" + pid;
    id = kind + "-" + pid;
    state_dir = ::testing::TempDir() + "/rb-" + kind + "-" + pid;
    log_path = state_dir + "/" + log_file;
    std::filesystem::remove_all(state_dir);
    std::filesystem::create_directories(state_dir);
  }
  std::string db, topic, id, state_dir, log_path;
};

// The first start pins start=now; later starts carry no start position, so they must resume
// from the checkpoint.
inline std::string SourceUri(int server_id, bool first = true) {
  return testing::MariaDbUri((first ? "?start=now&" : "?") +
                             ("server-id=" + std::to_string(server_id)));
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The GTID set of a serialized position (`binlog=...;gtid=...`), "" if empty or unparsable.
inline std::string PositionGtids(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return "";
  auto pos = model::SourcePosition::Deserialize(text);
  return pos.ok() ? pos->gtids.ToString() : "";
}

// The GTID set of the checkpoint file `<state_dir>/<id>.checkpoint`, "" if there is none yet.
inline std::string CheckpointGtids(const std::string& state_dir, const std::string& id) {
  return PositionGtids(ReadFile(state_dir + "/" + id + ".checkpoint"));
}

// True once the GTID set `have_gtids` covers `target` (a GTID position such as
// @@gtid_binlog_pos): every domain of the target is at or past its sequence number. Other tests
// may write to the same server concurrently, so a checkpoint may legitimately move beyond it.
inline bool GtidsCover(const std::string& have_gtids, const std::string& target) {
  auto have = model::MariaGtidSet::Parse(have_gtids);
  auto want = model::MariaGtidSet::Parse(target);
  return have.ok() && want.ok() && !have->empty() && have->Covers(*want);
}

// True once the checkpoint file of changefeed `id` covers `target` (see GtidsCover).
inline bool CheckpointReached(const std::string& state_dir, const std::string& id,
                              const std::string& target) {
  return GtidsCover(CheckpointGtids(state_dir, id), target);
}

// Tail of a log file, for failure messages.
inline std::string Tail(const std::string& path, size_t bytes = 3000) {
  std::string text = ReadFile(path);
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// A child process running `argv` in its own process group, stdout and stderr appended to
// `log_path`. Not thread-safe; the destructor SIGKILLs and reaps it if still running.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log_path) {
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::setpgid(0, 0);
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also from the parent, so a kill right away hits the group
  }
  ~Child() {
    if (running()) Kill(SIGKILL);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // True until the process has been reaped (polls with WNOHANG).
  bool running() {
    if (reaped_) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = status;
    }
    return !reaped_;
  }
  // Sends `sig` to the process group and waits (up to `limit`) for the process to exit.
  // Returns false if it is still running after the limit.
  bool Kill(int sig, std::chrono::seconds limit = std::chrono::seconds(30)) {
    if (reaped_) return true;
    ::kill(-pid_, sig);
    auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      if (!running()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  // Exit code if it exited normally, -signal if killed, INT_MIN if still running.
  int exit_code() const {
    if (!reaped_) return -1000;
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) return -WTERMSIG(status_);
    return -1000;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// A value in kB from /proc/<pid>/status ("VmRSS", "VmHWM"); 0 if unavailable.
inline uint64_t ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

// Waits until the changefeed `id` has a durable position: inserts a row into `probe_table`
// (a table its filter captures, with an AUTO_INCREMENT key) until the checkpoint file holds
// @@gtid_binlog_pos, so every later change is after the position it resumes from.
// Returns "" when ready, else what went wrong.
inline std::string WaitFirstCheckpoint(source::mysql::MySqlConnection& conn, Child& child,
                                       const std::string& probe_table, const std::string& state_dir,
                                       const std::string& id, const std::string& log_path) {
  auto until = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < until) {
    if (!child.running()) return "sluice exited: " + Tail(log_path);
    Exec(conn, "INSERT INTO " + probe_table + " VALUES ()");
    std::string gtid = GtidPos(conn);
    auto probe_until = Clock::now() + std::chrono::seconds(3);
    while (Clock::now() < probe_until) {
      if (CheckpointReached(state_dir, id, gtid)) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return "sluice did not checkpoint within 60 s: " + Tail(log_path);
}

}  // namespace sluice::robustness
