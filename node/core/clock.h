#pragma once

#include <chrono>
#include <cstdint>

namespace authnet {

// Clock tells the time. Passed to every component that decays, expires or
// dates anything, so tests can move time by hand. Implementations are
// thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;

  // NowMicros returns microseconds since 1970-01-01 UTC.
  virtual int64_t NowMicros() const = 0;

  // Today returns whole days since 1970-01-01 UTC: the only time a record carries.
  uint32_t Today() const { return static_cast<uint32_t>(NowMicros() / 86'400'000'000LL); }
};

// SteadyMicros reads the monotonic clock, in microseconds: for rate limits
// and timeouts, which must not jump with the wall clock. Components take it
// as a std::function so tests can inject their own.
inline int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// SystemClock reads the real-time clock.
class SystemClock : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace authnet
