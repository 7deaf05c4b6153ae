#include "node/admission/rate_limiter.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace authnet {
namespace {

// Beyond this many tracked clients, full (idle) buckets are forgotten.
constexpr size_t kForgetAbove = 10'000;
// A throttled client is logged at most this often.
constexpr int64_t kLogEveryMicros = 10'000'000;

double BurstOf(const RateLimiter::Options& o) {
  return std::max(o.burst >= 1 ? o.burst : o.per_second, 1.0);
}

}  // namespace

void RateLimiter::SetRate(const Options& options) {
  per_second_.store(options.per_second);
  burst_.store(BurstOf(options));
}

RateLimiter::RateLimiter(Options options, std::string what, Counter* refused,
                         std::shared_ptr<spdlog::logger> log, NowMicros now)
    : unit_(options.unit),
      per_second_(options.per_second),
      burst_(BurstOf(options)),
      what_(std::move(what)),
      refused_(refused),
      log_(std::move(log)),
      now_(std::move(now)) {}

double RateLimiter::Refill(Bucket& b, int64_t now) const {
  double elapsed = static_cast<double>(std::max<int64_t>(0, now - b.updated)) / 1e6;
  b.tokens = std::min(burst_.load(), b.tokens + elapsed * per_second_.load());
  b.updated = now;
  return b.tokens;
}

void RateLimiter::ForgetIdle(int64_t now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = Refill(it->second, now) >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

absl::Status RateLimiter::Admit(const std::string& client, double cost) {
  const double per_second = per_second_.load();
  const double burst = burst_.load();
  if (per_second <= 0) {
    return absl::OkStatus();
  }
  if (cost > burst) {
    if (refused_ != nullptr) {
      refused_->Increment();
    }
    return absl::ResourceExhaustedError(absl::StrFormat(
        "rate limit: one call of %g %s is more than %s %s may make at once (burst %g); split it",
        cost, unit_, what_, client, burst));
  }
  int64_t now = now_();
  uint64_t refused_before = 0;
  {
    absl::MutexLock lock(&mu_);
    if (buckets_.size() >= kForgetAbove && !buckets_.contains(client)) {
      ForgetIdle(now);
    }
    auto [it, inserted] = buckets_.try_emplace(client);
    Bucket& b = it->second;
    if (inserted) {
      b.tokens = burst;
      b.updated = now;
    }
    if (Refill(b, now) >= cost) {
      b.tokens -= cost;
      return absl::OkStatus();
    }
    ++b.refused;
    if (b.logged == 0 || now - b.logged >= kLogEveryMicros) {
      b.logged = now;
      refused_before = b.refused;
      b.refused = 0;
    }
  }
  if (refused_ != nullptr) {
    refused_->Increment();
  }
  if (refused_before > 0 && log_ != nullptr) {
    log_->warn("rate limit: refused {} call(s) from {} {} (limit {} {}/s, burst {})",
               refused_before, what_, client, per_second, unit_, burst);
  }
  return absl::ResourceExhaustedError(
      absl::StrFormat("rate limit: %s %s made more than %g %s/s (burst %g); retry with backoff",
                      what_, client, per_second, unit_, burst));
}

size_t RateLimiter::clients() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

}  // namespace authnet
