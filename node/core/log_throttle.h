#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace authnet {

// LogThrottle lets one log line per key through every `every` (say, one a
// minute per refused host), and counts the lines it held back meanwhile,
// so a client that retries forever cannot fill the log. At most
// `max_keys` keys are remembered (the map is cleared when full: a flood of
// distinct keys logs again, bounded by the callers' rate limits).
// Thread-safe.
class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::seconds every, size_t max_keys = 4096)
      : every_(every), max_keys_(max_keys) {}

  // Admit returns nullopt to hold the line back, else how many lines of
  // `key` were held back since the last one logged. `now` is a steady
  // clock reading.
  std::optional<uint64_t> Admit(const std::string& key, std::chrono::steady_clock::time_point now)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(key);
    if (it != keys_.end() && now - it->second.logged < every_) {
      ++it->second.held_back;
      return std::nullopt;
    }
    if (it == keys_.end()) {
      if (keys_.size() >= max_keys_) {
        keys_.clear();
      }
      it = keys_.emplace(key, Entry{}).first;
    }
    it->second.logged = now;
    uint64_t held = it->second.held_back;
    it->second.held_back = 0;
    return held;
  }

 private:
  struct Entry {
    std::chrono::steady_clock::time_point logged;
    uint64_t held_back = 0;
  };
  const std::chrono::steady_clock::duration every_;
  const size_t max_keys_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authnet
