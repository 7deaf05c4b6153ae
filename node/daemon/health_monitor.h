#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "node/core/periodic_thread.h"
#include "spdlog/logger.h"

namespace authnet {

// HealthMonitor decides whether a node is SERVING: it runs its probes once
// at construction and then every `interval` on a thread of its own, and
// calls `on_change` (on that thread) whenever the answer changes, logging
// the failing probe's reason. Thread-safe.
class HealthMonitor {
 public:
  // A Probe returns OK when its part of the node is usable, otherwise a
  // status that says what is wrong and what to do.
  struct Probe {
    std::string name;
    std::function<absl::Status()> check;
  };

  HealthMonitor(std::vector<Probe> probes, std::function<void(bool serving)> on_change,
                std::shared_ptr<spdlog::logger> log,
                std::chrono::milliseconds interval = std::chrono::seconds(1));
  // The destructor stops the thread.
  ~HealthMonitor();

  bool serving() const ABSL_LOCKS_EXCLUDED(mu_);
  // Why the node is NOT_SERVING ("probe: message"); "" while SERVING.
  std::string reason() const ABSL_LOCKS_EXCLUDED(mu_);
  // Evaluate runs the probes now (tests call it after changing something).
  void Evaluate() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::vector<Probe> probes_;
  const std::function<void(bool)> on_change_;
  std::shared_ptr<spdlog::logger> log_;
  const std::chrono::milliseconds interval_;

  mutable absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = true;
  std::string reason_ ABSL_GUARDED_BY(mu_);
  absl::Mutex evaluate_mu_;                    // one evaluation at a time, in order
  std::unique_ptr<PeriodicThread> evaluator_;  // last: stopped first
};

}  // namespace authnet
