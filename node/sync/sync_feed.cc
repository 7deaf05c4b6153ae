#include "node/sync/sync_feed.h"

namespace authnet {

void SyncFeed::Add(std::shared_ptr<Subscriber> s) {
  bool closed;
  {
    absl::MutexLock lock(&mu_);
    closed = closed_;
    subscribers_.insert(s);
  }
  if (closed) {
    s->Close();
  }
}

void SyncFeed::Remove(const std::shared_ptr<Subscriber>& s) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(s);
}

std::set<std::shared_ptr<SyncFeed::Subscriber>> SyncFeed::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return subscribers_;
}

// Subscribers are poked outside the lock: a poke may end a stream, whose
// reactor then removes itself.
void SyncFeed::Notify() {
  for (const std::shared_ptr<Subscriber>& s : Snapshot()) {
    s->Poke();
  }
}

void SyncFeed::NotifyRoster(const Roster& roster) {
  for (const std::shared_ptr<Subscriber>& s : Snapshot()) {
    s->OnRoster(roster);
    s->Poke();
  }
}

void SyncFeed::CloseAll() {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  for (const std::shared_ptr<Subscriber>& s : Snapshot()) {
    s->Close();
  }
}

size_t SyncFeed::Size() const {
  absl::MutexLock lock(&mu_);
  return subscribers_.size();
}

}  // namespace authnet
