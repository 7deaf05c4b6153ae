#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "node/core/clock.h"
#include "node/metrics/metrics_registry.h"
#include "spdlog/logger.h"

namespace authnet {

// RateLimiter is one token bucket per client (a peer's member id, an api
// token's name, a local caller's uid or address): each client may spend
// `burst` units of work at once and `per_second` a second after that; a
// call costs what it asks for (one check, one subject reported). A call over
// the limit is RESOURCE_EXHAUSTED and counted. Thread-safe.
class RateLimiter {
 public:
  struct Options {
    double per_second = 0;  // 0: no limit
    double burst = 0;       // bucket size; below 1 means per_second
    // What one unit of work is, for messages ("calls", "checks and reported
    // subjects").
    const char* unit = "calls";
  };
  // NowMicros is a monotonic clock in microseconds (tests inject one).
  using NowMicros = std::function<int64_t()>;

  // `refused` (may be null) counts calls refused; `what` names the listener
  // in messages ("api client", "peer").
  RateLimiter(Options options, std::string what, Counter* refused,
              std::shared_ptr<spdlog::logger> log, NowMicros now = authnet::SteadyMicros);

  // Admit takes `cost` tokens (the work a call asks for: checks in a
  // batch, subjects in a report) from `client`'s bucket, or answers
  // RESOURCE_EXHAUSTED saying to back off (taking nothing). A cost above the
  // burst can never be admitted: RESOURCE_EXHAUSTED saying so.
  [[nodiscard]] absl::Status Admit(const std::string& client, double cost = 1)
      ABSL_LOCKS_EXCLUDED(mu_);

  // SetRate changes per_second and burst (a configuration reload); each
  // client's bucket keeps its tokens, capped at the new burst.
  void SetRate(const Options& options);

  // Clients tracked now (idle ones are forgotten once there are many).
  size_t clients() const ABSL_LOCKS_EXCLUDED(mu_);
  // burst is the largest cost one call may have.
  double burst() const { return burst_.load(); }

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated = 0;
    int64_t logged = 0;  // when a refusal was last logged
    uint64_t refused = 0;
  };
  // ForgetIdle drops buckets that have refilled: they would start full anyway.
  void ForgetIdle(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  double Refill(Bucket& b, int64_t now) const;

  const char* const unit_;
  std::atomic<double> per_second_;
  std::atomic<double> burst_;
  const std::string what_;
  Counter* const refused_;
  std::shared_ptr<spdlog::logger> log_;
  const NowMicros now_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authnet
