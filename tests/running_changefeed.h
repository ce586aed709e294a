// RunningChangefeed: a changefeed built from a config (pipeline::BuildChangefeed, the same
// composition root `sluice run` uses) running on its own thread, with waits for the
// integration tests. Stopped (and joined) at destruction.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/checkpoint_store.h"

namespace sluice::testing {

class RunningChangefeed {
 public:
  // `pin_start`: resolve the configured start (start=now, ...) to a position before the
  // thread starts, as `sluice server` does at create time, so rows written right after the
  // constructor returns are captured however late the changefeed thread gets going.
  RunningChangefeed(const pipeline::ChangefeedConfig& config, const std::string& state_dir,
                    bool pin_start = false)
      : store_(state_dir) {
    auto built = pipeline::BuildChangefeed(config);
    if (!built.ok()) throw std::runtime_error(built.status().message());
    if (pin_start) {
      auto start = pipeline::ResolveStartPosition(config);
      if (!start.ok()) throw std::runtime_error(start.status().message());
      built->options.start = *start;
    }
    feed_ = std::make_unique<pipeline::Changefeed>(built->options, built->factory, &store_);
    thread_ = std::thread([this] { result_ = feed_->Run(&stop_); });
  }
  ~RunningChangefeed() { static_cast<void>(Stop()); }

  base::Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return result_;
  }

  // Polls `done` until it holds (true), the changefeed fails or `limit` passes (false).
  bool WaitFor(std::chrono::seconds limit, const std::function<bool()>& done) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      if (feed_->state() == pipeline::ChangefeedState::kFailed) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  bool WaitStarted(std::chrono::seconds limit) {
    return WaitFor(limit, [&] { return feed_->state() == pipeline::ChangefeedState::kNormal; });
  }
  bool WaitRows(uint64_t rows, uint64_t ddls, std::chrono::seconds limit) {
    return WaitFor(limit, [&] {
      return feed_->stats().rows_read.load() >= rows && feed_->stats().ddls.load() >= ddls;
    });
  }
  // Until the checkpoint covers the MariaDB GTID set `gtid`. Other tests may write to the same
  // server at the same time, so the checkpoint may pass the target: covering it is enough.
  bool WaitCheckpoint(const std::string& gtid, std::chrono::seconds limit) {
    auto want = model::MariaGtidSet::Parse(gtid);
    if (!want.ok()) return false;
    return WaitFor(limit, [&] {
      auto cp = feed_->checkpoint();
      return cp && !cp->gtids.empty() && cp->gtids.Covers(*want);
    });
  }

  pipeline::Changefeed& feed() { return *feed_; }

 private:
  pipeline::FileCheckpointStore store_;
  std::unique_ptr<pipeline::Changefeed> feed_;
  std::atomic<bool> stop_{false};
  base::Status result_;
  std::thread thread_;
};

}  // namespace sluice::testing
