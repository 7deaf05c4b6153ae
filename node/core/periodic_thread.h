#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace authnet {

// PeriodicThread runs `tick` every `interval` on a thread of its own until
// it is destroyed; the destructor wakes the thread at once and joins it (a
// tick in progress finishes first). For watchers that look at a file or a
// probe now and then. Thread-safe.
//
//   PeriodicThread watcher(std::chrono::seconds(1), [this] { CheckNow(); });
class PeriodicThread {
 public:
  PeriodicThread(std::chrono::milliseconds interval, std::function<void()> tick)
      : thread_([this, interval, tick = std::move(tick)] {
          absl::MutexLock lock(&mu_);
          while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(interval))) {
            mu_.Unlock();
            tick();
            mu_.Lock();
          }
        }) {}
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  ~PeriodicThread() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }

 private:
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace authnet
