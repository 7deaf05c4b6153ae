#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "node/metrics/metrics_registry.h"
#include "spdlog/logger.h"

namespace authnet {

// RateLimiter is one token bucket per client (a peer's member id, an api
// token's name, an api connection's address): each client may make `burst`
// calls at once and `per_second` calls a second after that. A call over the
// limit is RESOURCE_EXHAUSTED and counted. Thread-safe.
class RateLimiter {
 public:
  struct Options {
    double per_second = 0;  // 0: no limit
    double burst = 0;       // bucket size; below 1 means per_second
  };
  // NowMicros is a monotonic clock in microseconds (tests inject one).
  using NowMicros = std::function<int64_t()>;

  // `refused` (may be null) counts calls refused; `what` names the listener
  // in messages ("api client", "peer").
  RateLimiter(Options options, std::string what, Counter* refused,
              std::shared_ptr<spdlog::logger> log, NowMicros now = SteadyMicros);

  // Admit takes one token from `client`'s bucket, or answers
  // RESOURCE_EXHAUSTED saying to back off.
  [[nodiscard]] absl::Status Admit(const std::string& client) ABSL_LOCKS_EXCLUDED(mu_);

  // Clients tracked now (idle ones are forgotten once there are many).
  size_t clients() const ABSL_LOCKS_EXCLUDED(mu_);

  static int64_t SteadyMicros();

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

  const Options options_;
  const double burst_;
  const std::string what_;
  Counter* const refused_;
  std::shared_ptr<spdlog::logger> log_;
  const NowMicros now_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authnet
