#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "node/core/file_stamp.h"
#include "node/core/periodic_thread.h"
#include "node/sync/roster_keeper.h"
#include "spdlog/logger.h"

namespace authnet {

// BundleWatcher offers the node a roster.pb that changes in its bundle
// directory (as `authnetctl member renew` writes one), every `interval`, so
// a renewal needs no restart and no push to reach this node and, through it,
// its peers. The certificate and key files are watched by gRPC's own
// FileWatcherCertificateProvider. Thread-safe; the destructor stops it.
class BundleWatcher {
 public:
  BundleWatcher(std::filesystem::path bundle_dir, RosterKeeper& roster,
                std::chrono::seconds interval, std::shared_ptr<spdlog::logger> log);
  ~BundleWatcher();

  // CheckNow looks at roster.pb once (tests call it instead of waiting).
  void CheckNow();

 private:
  const std::filesystem::path roster_file_;
  RosterKeeper& roster_;
  const std::chrono::seconds interval_;
  std::shared_ptr<spdlog::logger> log_;

  absl::Mutex mu_;
  FileStamp seen_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<PeriodicThread> checker_;  // last: stopped first
};

}  // namespace authnet
