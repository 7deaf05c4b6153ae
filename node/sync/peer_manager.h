#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "node/sync/peer_link.h"

namespace authnet {

// PeerState is one outgoing peer connection as `status` shows it.
struct PeerState {
  std::string member;  // the peer's member id, or its address until a handshake showed it
  std::string address;
  bool connected = false;
  uint64_t lag_records = 0;  // see PeerLink::LagRecords
};

// PeerManager owns the PeerLinks of a node: one per address given with
// --peers or, without --peers, one per active roster member's endpoint
// (kept in step with the roster). When a roster is adopted, links to peers
// that are no longer active are re-dialed, which their certificate check
// then refuses. Thread-safe.
class PeerManager {
 public:
  // With an empty `addresses`, the roster's endpoints are dialed.
  PeerManager(std::vector<std::string> addresses, std::string self, TlsIdentity tls,
              RosterKeeper& roster, const Model& model, ReportWriter& writer,
              PeerLinkOptions options, std::shared_ptr<spdlog::logger> log);
  ~PeerManager();

  // Start dials every peer.
  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  // OnRoster follows an adopted roster (see the class comment).
  void OnRoster(const Roster& roster) ABSL_LOCKS_EXCLUDED(mu_);
  // AddPeer dials one more address (tests wire nodes started on port 0 this way).
  void AddPeer(const std::string& address) ABSL_LOCKS_EXCLUDED(mu_);
  // SetPeers makes the node dial exactly `addresses` (a configuration
  // reload): new ones are dialed, links to dropped ones stopped.
  // FAILED_PRECONDITION when the node dials the roster's endpoints, or
  // `addresses` is empty (that switch needs a restart).
  [[nodiscard]] absl::Status SetPeers(const std::vector<std::string>& addresses)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Stop stops every link. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  std::vector<PeerState> Peers() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Endpoints of the active members of `roster` other than this one.
  std::vector<std::string> RosterEndpoints(const Roster& roster) const;
  void AddLocked(const std::string& address) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // DialOnlyLocked keeps the links to `wanted`, adds the missing ones and
  // retires the others.
  void DialOnlyLocked(const std::vector<std::string>& wanted) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const bool from_roster_;
  const std::string self_;
  const TlsIdentity tls_;
  RosterKeeper& roster_;
  const Model& model_;
  ReportWriter& writer_;
  const PeerLinkOptions options_;
  std::shared_ptr<spdlog::logger> log_;

  mutable absl::Mutex mu_;
  std::vector<std::string> initial_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<PeerLink>> links_ ABSL_GUARDED_BY(mu_);
  // Links retired by a roster change: told to stop, joined by Stop().
  std::vector<std::unique_ptr<PeerLink>> retired_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace authnet
