#include "node/api/alert_hub.h"

namespace authnet {

void AlertHub::Publish(v1::SupplierAlert alert) {
  {
    absl::MutexLock lock(&mu_);
    alert.set_id(++last_id_);
    alerts_.push_back(std::move(alert));
    while (alerts_.size() > capacity_) {
      alerts_.pop_front();
    }
  }
  watchers_.Notify();
}

std::optional<v1::SupplierAlert> AlertHub::After(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  // Ids are consecutive, so the one wanted sits at a known offset.
  if (alerts_.empty() || id >= alerts_.back().id()) {
    return std::nullopt;
  }
  uint64_t first = alerts_.front().id();
  return alerts_[id < first ? 0 : id + 1 - first];
}

}  // namespace authnet
