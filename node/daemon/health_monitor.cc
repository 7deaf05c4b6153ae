#include "node/daemon/health_monitor.h"

#include "absl/strings/str_cat.h"

namespace authnet {

HealthMonitor::HealthMonitor(std::vector<Probe> probes, std::function<void(bool)> on_change,
                             std::shared_ptr<spdlog::logger> log,
                             std::chrono::milliseconds interval)
    : probes_(std::move(probes)),
      on_change_(std::move(on_change)),
      log_(std::move(log)),
      interval_(interval) {
  Evaluate();
  evaluator_ = std::make_unique<PeriodicThread>(interval_, [this] { Evaluate(); });
}

HealthMonitor::~HealthMonitor() = default;

bool HealthMonitor::serving() const {
  absl::MutexLock lock(&mu_);
  return serving_;
}

std::string HealthMonitor::reason() const {
  absl::MutexLock lock(&mu_);
  return reason_;
}

void HealthMonitor::Evaluate() {
  absl::MutexLock order(&evaluate_mu_);
  absl::Status failed;
  std::string failed_probe;
  for (const Probe& probe : probes_) {
    absl::Status st = probe.check();
    if (!st.ok()) {
      failed = st;
      failed_probe = probe.name;
      break;
    }
  }
  bool now = failed.ok();
  {
    absl::MutexLock lock(&mu_);
    reason_ = now ? "" : absl::StrCat(failed_probe, ": ", failed.message());
    if (now == serving_) {
      return;
    }
    serving_ = now;
  }
  if (now) {
    log_->info("health: SERVING again");
  } else {
    log_->error("health: NOT_SERVING: {}: {}", failed_probe, std::string(failed.message()));
  }
  on_change_(now);
}

}  // namespace authnet
