#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "spdlog/logger.h"

namespace authnet {

// SigningGate decides whether this node may sign new records of its own
// origin (docs/architecture.md §3). A member's log has one history: once a
// node learns that the network holds its origin beyond its own log (an old
// backup was restored, or a second copy of the node ran), signing the next
// seq would start a second one. The gate then stays closed while the node
// adopts its own batches from peers (they are signed with its own key) and
// reopens when a peer's head for the origin is no further than the log. A
// node restored with `authnetctl restore` starts closed until a peer
// confirms it. A conflict (two histories already exist) and a revoked
// roster entry keep it closed until an operator acts. Reports answer
// UNAVAILABLE with Closed()'s text meanwhile, and health says why.
//
// Thread-safe; each change of state is logged once.
class SigningGate {
 public:
  // Why the gate is closed; kOpen when it is not. Values index metrics.
  enum class Hold { kOpen, kRestored, kBehind, kConflict, kRevoked };

  // LogHead reads the log's head for this node's origin from the store
  // itself; nullopt when it cannot.
  using LogHead = std::function<std::optional<uint64_t>()>;

  // `origin` is this node's member id. `on_reopen` runs (outside the lock)
  // whenever the gate reopens after a restore or recovery: the node removes
  // its restore marker there. `log_head`, for a store other replicas write
  // too: the `mine` PeerHead is told comes from this replica's model, which
  // follows their commits a moment late, so a peer ahead of it is checked
  // against the store before the gate closes.
  SigningGate(std::string origin, std::shared_ptr<spdlog::logger> log,
              std::function<void()> on_reopen = nullptr, LogHead log_head = nullptr);

  // Closed returns what reports are told while signing is stopped, nullopt
  // while it is allowed.
  std::optional<std::string> Closed() const ABSL_LOCKS_EXCLUDED(mu_);
  Hold hold() const ABSL_LOCKS_EXCLUDED(mu_);

  // AwaitPeers closes the gate until a peer confirms the log (a restored
  // data directory). `why` says what happened, for the log and reports.
  void AwaitPeers(const std::string& why) ABSL_LOCKS_EXCLUDED(mu_);

  // PeerHead tells the gate what `peer` (as logs name it) holds of this node's origin
  // (`theirs`) while the log holds `mine`. Beyond the log: closed, ALERT,
  // the node pulls and adopts the rest. Exactly the log's head: a restored
  // or recovering node reopens (a peer holding less is behind on this
  // origin and confirms nothing).
  void PeerHead(const std::string& peer, uint64_t theirs, uint64_t mine) ABSL_LOCKS_EXCLUDED(mu_);

  // Conflict: a peer holds a batch of this origin for seqs [first, last]
  // that differs from the one in the log. Closed until restart.
  void Conflict(uint64_t first, uint64_t last) ABSL_LOCKS_EXCLUDED(mu_);

  // SetRevoked follows the roster's entry for this member.
  void SetRevoked(bool revoked, uint64_t roster_version) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  std::string TextLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string origin_;
  std::shared_ptr<spdlog::logger> log_;
  const std::function<void()> on_reopen_;
  const LogHead log_head_;

  mutable absl::Mutex mu_;
  Hold log_hold_ ABSL_GUARDED_BY(mu_) = Hold::kOpen;  // restored, behind or conflict
  bool revoked_ ABSL_GUARDED_BY(mu_) = false;
  std::string why_ ABSL_GUARDED_BY(mu_);  // the restored/behind/conflict text
};

}  // namespace authnet
