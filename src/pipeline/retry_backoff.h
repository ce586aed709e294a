// RetryBackoff: the delay before a changefeed's next attempt after a retriable error.
//
// Exponential from `initial` (doubling) up to `max`, each delay spread by +-`jitter` (a share,
// 0.2 = +-20%) so that changefeeds restarting after the same outage do not retry in lockstep;
// a delay never exceeds `max`. Reset() starts again from `initial`: the changefeed calls it
// when the attempt that just failed had been healthy (it moved the checkpoint, or streamed for
// a while), so every outage after a healthy period starts from the first delay.
// Not thread-safe; the changefeed's thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace sluice::pipeline {

class RetryBackoff {
 public:
  RetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter,
               uint64_t seed = std::random_device{}());

  // The delay to wait now; the next one doubles (before jitter) up to `max`.
  std::chrono::milliseconds Next();
  void Reset() { step_ = initial_; }

 private:
  std::chrono::milliseconds initial_, max_, step_;
  double jitter_;
  std::mt19937_64 rng_;
};

}  // namespace sluice::pipeline
