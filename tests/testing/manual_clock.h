#pragma once

#include <atomic>

#include "node/core/clock.h"

namespace authnet::testing {

// ManualClock is a Clock tests move by hand. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(uint32_t day) : micros_(int64_t{day} * 86'400'000'000LL) {}
  int64_t NowMicros() const override { return micros_.load(); }
  void AdvanceDays(uint32_t days) { micros_ += int64_t{days} * 86'400'000'000LL; }

 private:
  std::atomic<int64_t> micros_;
};

}  // namespace authnet::testing
