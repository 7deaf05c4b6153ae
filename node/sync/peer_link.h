#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/security/tls_certificate_provider.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "authnet/v1/peer.grpc.pb.h"
#include "node/core/key_ring.h"
#include "node/metrics/metric_names.h"
#include "node/metrics/metrics_registry.h"
#include "node/model/model.h"
#include "node/sync/roster_keeper.h"
#include "node/write/report_writer.h"
#include "node/write/signing_gate.h"
#include "spdlog/logger.h"

namespace authnet {

// TlsIdentity is what a node presents and trusts on peer connections: a
// provider of the network CA and the member's certificate and key (authnetd
// watches the bundle's files, so a renewed certificate is used without a
// restart).
struct TlsIdentity {
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider;
};

// SyncRoundStats is what one sync round with a peer took: from a connection
// ready (or a periodic re-check on it) until this node holds what the peer
// served at the round's start.
struct SyncRoundStats {
  int calls = 0;         // calls made (a Subscribe stream opened counts one)
  uint64_t batches = 0;  // batches received and stored
};

// PeerLinkOptions tunes one outgoing peer connection.
struct PeerLinkOptions {
  // Reconnect backoff: doubles from min to max, with +-50% jitter.
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  // A Subscribe stream is re-opened this often, on the same connection; its
  // first event compares heads digests and starts a sync round if they
  // differ, which repairs anything a stream missed.
  std::chrono::milliseconds resync_period{15000};
  // Deadline of every unary call to the peer.
  std::chrono::milliseconds call_timeout{10000};
  // Largest message the link accepts from the peer (a Pull response).
  int max_message_bytes = 16 << 20;
  // Observers of sync rounds (authnet-bench), called on the link's thread
  // when a round starts and when it ends.
  std::function<void()> on_round_start;
  std::function<void(const SyncRoundStats&)> on_round_end;
  // Where refused batches are counted (nullptr: nowhere); must outlive the
  // link.
  MetricsRegistry* metrics = nullptr;
  // The network keys, to check the company prefix of brands' lifecycle
  // records (CheckPublisher); nullptr: batches holding any are refused.
  const KeyRing* keys = nullptr;
  // Told what each peer holds of this node's own origin (nullptr: no one).
  SigningGate* gate = nullptr;
};

// PeerLink keeps this node in sync with one peer address, on its own
// thread: it dials over mutual TLS (the server must present a certificate of
// an active roster member), exchanges rosters, then follows the peer's
// Subscribe stream. The stream's first event carries the digest of the
// peer's heads: if this node's differ, a sync round asks for the peer's
// heads and pulls the batches of the origins it lags on. Each later event
// names the origins that moved, and the link pulls those. Every batch is
// verified before the writer stores it. The stream is re-opened every
// resync_period on the same connection (an idle re-check costs one event);
// on any failure the link reconnects with jittered exponential backoff.
// Thread-safe.
class PeerLink {
 public:
  // References must outlive the link.
  PeerLink(std::string address, std::string self, TlsIdentity tls, RosterKeeper& roster,
           const Model& model, ReportWriter& writer, PeerLinkOptions options,
           std::shared_ptr<spdlog::logger> log);
  ~PeerLink();

  void Start();
  // RequestStop cancels the call in flight and makes the thread end soon;
  // it does not wait, so any thread (the link's own included) may call it.
  void RequestStop() ABSL_LOCKS_EXCLUDED(mu_);
  // Stop is RequestStop and then waits for the thread. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  // Reconnect drops the current connection (the next one re-checks the
  // peer's certificate against the current roster).
  void Reconnect() ABSL_LOCKS_EXCLUDED(mu_);

  const std::string& address() const { return address_; }
  // member is the peer's member id once a handshake has shown it, else "".
  std::string member() const ABSL_LOCKS_EXCLUDED(mu_);
  bool connected() const { return connected_.load(); }
  // LagRecords is how many records the peer last reported holding that this
  // node does not hold (0 when unknown or in sync).
  uint64_t LagRecords() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  class ServerVerifier;

  void Run();
  absl::Status Session();
  // Dial makes this link's channel: mutual TLS with the member certificate,
  // the peer checked by ServerVerifier, a connection of its own.
  std::shared_ptr<grpc::Channel> Dial();
  // AwaitHandshake waits up to call_timeout for `channel` to connect; false
  // if the link is told to stop or reconnect meanwhile.
  bool AwaitHandshake(grpc::Channel& channel) ABSL_LOCKS_EXCLUDED(mu_);
  // SyncRoster fetches the peer's roster if newer; with `offer`, it hands
  // the peer ours first.
  absl::Status SyncRoster(v1::PeerService::Stub& stub, bool offer, SyncRoundStats* stats);
  // OnEvent acts on one SyncEvent: roster first, then the origins it names,
  // or (on a stream's first event) a round if the heads digests differ.
  absl::Status OnEvent(v1::PeerService::Stub& stub, const v1::SyncEvent& event, bool first,
                       SyncRoundStats* stats);
  // Round asks whether the peer's heads hash like ours, and if not, pulls
  // what we lag on.
  absl::Status Round(v1::PeerService::Stub& stub, SyncRoundStats* stats);
  // Admit verifies one pulled batch (VerifyBatch, CheckPublisher); a
  // refused one is logged, counted by reason and nullopt.
  std::optional<v1::BatchBody> Admit(const v1::SignedBatch& batch, const Roster& roster);
  // Pull makes one Pull call, cancellable like every call of the link.
  absl::Status Pull(v1::PeerService::Stub& stub, const v1::PullRequest& req, v1::PullResponse* resp,
                    SyncRoundStats* stats);
  // Behind lists the origins of `heads` (origin -> seq) we hold less of, and
  // remembers them as the peer's heads (merged, or replacing the old ones if
  // `complete`). Origins not in the roster are ignored.
  std::vector<std::string> Behind(const google::protobuf::Map<std::string, uint64_t>& heads,
                                  bool complete) ABSL_LOCKS_EXCLUDED(mu_);
  // PullThenTellGate tells the gate the peer's head for this node's origin,
  // pulls `behind` (PullListed), and tells the gate again if that pull
  // covered this node's own origin.
  absl::Status PullThenTellGate(v1::PeerService::Stub& stub, const std::vector<std::string>& behind,
                                SyncRoundStats* stats);
  // TellGate: the peer holds this node's origin up to `theirs`.
  void TellGate(uint64_t theirs);
  // TellGatePending passes on the head for this node's origin that the last
  // Behind saw, if any.
  void TellGatePending() ABSL_LOCKS_EXCLUDED(mu_);
  // PullListed pulls the peer's batches of `origins` beyond what we hold.
  absl::Status PullListed(v1::PeerService::Stub& stub, const std::vector<std::string>& origins,
                          SyncRoundStats* stats);
  // BeginCall sets `ctx`'s deadline and makes it cancellable by
  // RequestStop/Reconnect until EndCall(ctx); false if the link is stopping
  // or reconnecting (then make no call). Calls may nest (a pull inside the
  // Subscribe stream).
  bool BeginCall(grpc::ClientContext* ctx, std::chrono::milliseconds timeout)
      ABSL_LOCKS_EXCLUDED(mu_);
  void EndCall(grpc::ClientContext* ctx) ABSL_LOCKS_EXCLUDED(mu_);
  void CancelCallsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetMember(std::string member) ABSL_LOCKS_EXCLUDED(mu_);
  // Describe names the peer for log lines: "peer ID at ADDR" or "peer at ADDR".
  std::string Describe() const ABSL_LOCKS_EXCLUDED(mu_);

  const std::string address_;
  const std::string self_;
  const TlsIdentity tls_;
  RosterKeeper& roster_;
  const Model& model_;
  ReportWriter& writer_;
  const PeerLinkOptions options_;
  std::shared_ptr<spdlog::logger> log_;

  std::atomic<bool> connected_{false};
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool reconnect_ ABSL_GUARDED_BY(mu_) = false;
  std::set<grpc::ClientContext*> active_ ABSL_GUARDED_BY(mu_);
  std::string member_ ABSL_GUARDED_BY(mu_);
  // The peer's heads as it last reported them (origin -> seq), roster
  // members only.
  std::map<std::string, uint64_t> peer_heads_ ABSL_GUARDED_BY(mu_);
  // The peer's head for this node's origin, seen by Behind, not yet told to
  // the gate.
  std::optional<uint64_t> pending_own_head_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace authnet
