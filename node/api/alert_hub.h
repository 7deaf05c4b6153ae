#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "authnet/v1/admin.pb.h"
#include "node/sync/sync_feed.h"

namespace authnet {

// AlertHub keeps the most recent supplier alerts the model raised and pokes
// the WatchAlerts streams when a new one arrives. Thread-safe; Publish never
// blocks on a watcher.
class AlertHub {
 public:
  explicit AlertHub(size_t capacity = 256) : capacity_(capacity) {}

  // Publish numbers `alert` (ids start at 1), keeps it, dropping the oldest
  // beyond capacity, and pokes every watcher.
  void Publish(v1::SupplierAlert alert) ABSL_LOCKS_EXCLUDED(mu_);

  // After returns the oldest alert held whose id is greater than `id`.
  std::optional<v1::SupplierAlert> After(uint64_t id) const ABSL_LOCKS_EXCLUDED(mu_);

  // Watchers are the streams to poke; the node closes them at shutdown.
  SyncFeed& watchers() { return watchers_; }

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<v1::SupplierAlert> alerts_ ABSL_GUARDED_BY(mu_);
  uint64_t last_id_ ABSL_GUARDED_BY(mu_) = 0;
  SyncFeed watchers_;
};

}  // namespace authnet
