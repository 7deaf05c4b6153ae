#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "authnet/v1/admin.pb.h"

namespace authnet {

// UsageMeter counts what each api client used per day (UTC): the checks
// it made (a CheckBatch counts each of its checks) and the reports that
// recorded something, what the business bills by. Clients
// are token names, uid:N or a loopback address; never an identifier. The
// node stores the counts in its store's meta table every few seconds and
// when it stops (UsageMetaKey), so they survive restarts; a crash loses at
// most the last interval. Days older than kKeptDays are dropped.
// Thread-safe.
class UsageMeter {
 public:
  static constexpr uint32_t kKeptDays = 400;

  // Count adds to `client`'s counts for `day`.
  void Count(const std::string& client, uint32_t day, uint64_t checks, uint64_t reports)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Load adds what Serialized() wrote (a restart); false if it does not parse.
  bool Load(const std::string& stored) ABSL_LOCKS_EXCLUDED(mu_);
  // Serialized is the counts of the last kKeptDays days before `today`, for
  // the store; it clears Dirty.
  std::string Serialized(uint32_t today) ABSL_LOCKS_EXCLUDED(mu_);
  // Dirty: counted since the last Serialized.
  bool Dirty() const ABSL_LOCKS_EXCLUDED(mu_);

  // Month answers UsageRequest.month ("YYYY-MM", or "" for the month of
  // `today`): rows by day, then client. INVALID_ARGUMENT for a month not
  // of that form.
  [[nodiscard]] absl::StatusOr<v1::UsageResponse> Month(const std::string& month,
                                                        uint32_t today) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Counts {
    uint64_t checks = 0;
    uint64_t reports = 0;
  };
  mutable absl::Mutex mu_;
  std::map<std::pair<uint32_t, std::string>, Counts> counts_ ABSL_GUARDED_BY(mu_);
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;
};

// UsageMetaKey is where a process keeps its counts: "usage" on SQLite;
// "usage/REPLICA" on a store the member's replicas share (each meters the
// calls it served).
std::string UsageMetaKey(bool shared, const std::string& replica);

// DayText is "YYYY-MM-DD" for a day number (days since 1970, UTC).
std::string DayText(uint32_t day);

}  // namespace authnet
