#pragma once

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "node/core/digester.h"

namespace authnet {

// KeyRing holds the Digester a node digests with, replaced whole when the
// node learns a new network key epoch (a roster seals one to it). Readers
// keep the Digester they got for the duration of one call. Thread-safe.
class KeyRing {
 public:
  explicit KeyRing(std::shared_ptr<const Digester> digester) : digester_(std::move(digester)) {}

  std::shared_ptr<const Digester> Current() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::ReaderMutexLock lock(&mu_);
    return digester_;
  }
  void Set(std::shared_ptr<const Digester> digester) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    digester_ = std::move(digester);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Digester> digester_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authnet
