#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "authnet/v1/records.pb.h"
#include "node/store/log_store.h"
#include "spdlog/logger.h"

namespace authnet {

// LogFollower keeps this process current with a store other processes (a
// member's other replicas) write too (docs/architecture.md §5): on every commit they
// announce (PostgreSQL NOTIFY) and every `poll` besides, it reads the
// batches the store holds beyond what this process holds and announces them
// like the writer announces its own (model, sync feed). Thread-safe.
class LogFollower {
 public:
  // Held returns origin -> highest seq this process holds (the model's
  // version vector).
  using Held = std::function<std::map<std::string, uint64_t>()>;
  using Announce = std::function<void(const std::vector<v1::BatchBody>&)>;

  // Lag is how far this process is behind the store at the last look.
  struct Lag {
    uint64_t records = 0;  // records the store held that this process did not
    double seconds = 0;    // since this process was last found behind (0: current)
  };

  // Start opens a reader on `store` and starts following. `store` must
  // outlive the follower.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogFollower>> Start(
      LogStore& store, std::string network, Held held, Announce announce, absl::Duration poll,
      std::shared_ptr<spdlog::logger> log);
  ~LogFollower();

  // CatchUp announces, now and on the caller's thread, every batch the
  // store holds beyond Held(). One catch-up runs at a time.
  [[nodiscard]] absl::Status CatchUp() ABSL_LOCKS_EXCLUDED(mu_);
  Lag lag() const ABSL_LOCKS_EXCLUDED(mu_);
  // WatchMeta calls `changed` on the following thread with the value of
  // meta `key` whenever the following thread finds it changed (another
  // replica stored it), the first look included. Call once per key, before
  // the value matters; `changed` must not block.
  void WatchMeta(std::string key, std::function<void(const std::string&)> changed)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Stop ends the following thread. Idempotent.
  void Stop();

 private:
  LogFollower(std::unique_ptr<BatchReader> listener, std::unique_ptr<BatchReader> reader,
              std::string network, Held held, Announce announce, absl::Duration poll,
              std::shared_ptr<spdlog::logger> log);
  void Run();
  // ReadOrigin announces `origin`'s batches from `from` up to `to`.
  absl::Status ReadOrigin(const std::string& origin, uint64_t from, uint64_t to)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // CheckMeta looks at the watched meta value.
  absl::Status CheckMeta() ABSL_LOCKS_EXCLUDED(mu_);

  const std::string network_;
  const Held held_;
  const Announce announce_;
  const absl::Duration poll_;
  std::shared_ptr<spdlog::logger> log_;
  // Waits for announced commits; the following thread only.
  std::unique_ptr<BatchReader> listener_;
  mutable absl::Mutex mu_;
  std::unique_ptr<BatchReader> reader_ ABSL_GUARDED_BY(mu_);
  uint64_t lag_records_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<std::chrono::steady_clock::time_point> behind_since_ ABSL_GUARDED_BY(mu_);
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  struct MetaWatch {
    std::string key;
    std::function<void(const std::string&)> changed;
    std::optional<std::string> seen;
  };
  std::vector<MetaWatch> meta_watches_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace authnet
