#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "node/bundle/roster.h"
#include "node/model/model.h"

namespace authnet {

// ServedHeads is the part of `model`'s version vector a node serves its
// peers and compares with theirs: origins that are active members of `roster`.
std::map<std::string, uint64_t> ServedHeads(const Model& model, const Roster& roster);

// HeadsSha256 hashes heads (origin -> seq) canonically: nodes holding the
// same heads compute the same 32 bytes, so an idle sync round compares one
// hash instead of a vector as long as the roster.
std::string HeadsSha256(const std::map<std::string, uint64_t>& heads);

// SyncFeed tells subscribed peers that this node's sync state changed: new
// batches were committed or a roster was adopted. It holds no data itself;
// each subscriber reads the current state when poked, so a burst of commits
// becomes one event. Thread-safe.
class SyncFeed {
 public:
  // Subscriber is one peer's Subscribe stream.
  class Subscriber {
   public:
    virtual ~Subscriber() = default;
    // Poke asks the subscriber to send the current state soon. Non-blocking.
    virtual void Poke() = 0;
    // OnRoster ends the stream if its peer is no longer an active member.
    virtual void OnRoster(const Roster& roster) = 0;
    // Close ends the stream (the node is shutting down).
    virtual void Close() = 0;
  };

  void Add(std::shared_ptr<Subscriber> s) ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(const std::shared_ptr<Subscriber>& s) ABSL_LOCKS_EXCLUDED(mu_);
  // Notify pokes every subscriber.
  void Notify() ABSL_LOCKS_EXCLUDED(mu_);
  // NotifyRoster hands every subscriber the adopted roster, then pokes it.
  void NotifyRoster(const Roster& roster) ABSL_LOCKS_EXCLUDED(mu_);
  // CloseAll ends every stream, and any that joins later, so a server
  // shutdown need not wait for them.
  void CloseAll() ABSL_LOCKS_EXCLUDED(mu_);
  // Size returns how many subscribers are attached.
  size_t Size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  std::set<std::shared_ptr<Subscriber>> Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::set<std::shared_ptr<Subscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace authnet
