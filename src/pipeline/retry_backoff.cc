#include "pipeline/retry_backoff.h"

#include <algorithm>

namespace sluice::pipeline {

RetryBackoff::RetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                           double jitter, uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      step_(initial_),
      jitter_(std::clamp(jitter, 0.0, 1.0)),
      rng_(seed) {}

std::chrono::milliseconds RetryBackoff::Next() {
  const double base = static_cast<double>(step_.count());
  const double factor = std::uniform_real_distribution<double>(1.0 - jitter_, 1.0 + jitter_)(rng_);
  const auto delay = std::chrono::milliseconds(static_cast<int64_t>(base * factor));
  step_ = std::min(step_ * 2, max_);
  return std::clamp(delay, std::chrono::milliseconds(1), max_);
}

}  // namespace sluice::pipeline
