#include "node/sync/sync_feed.h"

#include "node/crypto/openssl_util.h"

namespace authnet {

std::map<std::string, uint64_t> ServedHeads(const Model& model, const Roster& roster) {
  std::map<std::string, uint64_t> heads = model.VersionVector();
  std::erase_if(heads, [&](const auto& entry) {
    const v1::RosterMember* m = roster.Find(entry.first);
    return m == nullptr || m->status() != v1::MEMBER_STATUS_ACTIVE;
  });
  return heads;
}

std::string HeadsSha256(const std::map<std::string, uint64_t>& heads) {
  std::string buf = "authnet/v1/heads";
  for (const auto& [origin, seq] : heads) {
    buf.push_back('\0');
    buf.append(origin);  // member ids hold no NUL
    buf.push_back('\0');
    for (int i = 7; i >= 0; --i) {
      buf.push_back(static_cast<char>((seq >> (8 * i)) & 0xff));
    }
  }
  return crypto::Sha256(buf);
}

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
