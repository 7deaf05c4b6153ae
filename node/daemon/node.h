#pragma once

#include <grpcpp/server.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/admission/call_guard.h"
#include "node/admission/connection_gate.h"
#include "node/admission/rate_limiter.h"
#include "node/api/admin_service.h"
#include "node/api/alert_hub.h"
#include "node/api/api_gate.h"
#include "node/api/checkout_service.h"
#include "node/api/http_api.h"
#include "node/api/peer_service.h"
#include "node/api/token_authenticator.h"
#include "node/bundle/member_bundle.h"
#include "node/core/clock.h"
#include "node/core/key_ring.h"
#include "node/core/periodic_thread.h"
#include "node/daemon/bundle_watcher.h"
#include "node/daemon/grpc_listener.h"
#include "node/daemon/health_monitor.h"
#include "node/daemon/node_options.h"
#include "node/metrics/metrics_registry.h"
#include "node/metrics/metrics_server.h"
#include "node/model/model.h"
#include "node/store/log_reader.h"
#include "node/store/log_store.h"
#include "node/sync/peer_manager.h"
#include "node/sync/roster_keeper.h"
#include "node/sync/sync_feed.h"
#include "node/write/log_follower.h"
#include "node/write/report_writer.h"
#include "node/write/signing_gate.h"
#include "spdlog/sinks/sink.h"

namespace authnet {

// Node is one running authnetd: bundle, store, roster, model, writer
// thread, the two listeners and the outgoing peer links. main() only parses
// flags and wires a Node up. Thread-safe: Shutdown may be called from any
// thread, once.
class Node {
 public:
  // CheckOptions validates `options` without touching anything: listener
  // addresses, model options, the api TLS files a non-local api needs, that
  // the bundle loads and that an existing SQLite data dir is its member's. INVALID_ARGUMENT or
  // FAILED_PRECONDITION whose message starts with the flag at fault ("--api-listen: ...").
  [[nodiscard]] static absl::Status CheckOptions(const NodeOptions& options);

  // Create loads and checks the bundle, opens the data directory, rebuilds
  // the model from the store, starts both listeners and dials the peers.
  // Bad configuration (a damaged bundle, another member's data dir, a
  // non-loopback api address) is FAILED_PRECONDITION or INVALID_ARGUMENT with
  // one line that says what to fix. `clock` must outlive the node.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Node>> Create(
      const NodeOptions& options, const Clock& clock, std::shared_ptr<spdlog::sinks::sink> sink);
  ~Node();

  // Shutdown stops dialing peers, ends peers' streams, stops accepting
  // calls, lets in-flight calls finish until `deadline` (then cancels them),
  // commits what the writer holds and stops.
  void Shutdown(std::chrono::system_clock::time_point deadline);

  // AddPeer dials one more peer address (tests wire nodes started on port 0).
  void AddPeer(const std::string& address) { peers_->AddPeer(address); }

  // What a configuration reload changes on a running node (ConfigReloader):
  // the model's thresholds, the per-client rate limits, the peers dialed
  // (FAILED_PRECONDITION if the node dials the roster's endpoints).
  void SetModelOptions(const ModelOptions& options) { model_->SetOptions(options); }
  void SetRateLimits(const RateLimiter::Options& api, const RateLimiter::Options& peer) {
    api_limiter_->SetRate(api);
    peer_limiter_->SetRate(peer);
  }
  [[nodiscard]] absl::Status SetPeers(const std::vector<std::string>& addresses) {
    return peers_->SetPeers(addresses);
  }

  // The ports the listeners bound (useful with port 0); 0 for a unix socket.
  int api_port() const { return api_listener_->port(); }
  int peer_port() const { return peer_listener_->port(); }
  const std::string& member_id() const { return bundle_->member_id(); }
  // model is what Check answers from (benchmarks watch it converge).
  const Model& model() const { return *model_; }
  // The port the metrics listener bound, 0 without one.
  int metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }
  // The port the HTTP/JSON api bound, 0 without one.
  int http_port() const { return http_api_ ? http_api_->port() : 0; }
  const MetricsRegistry& metrics() const { return *metrics_; }
  // serving is what grpc.health.v1 and /healthz report.
  bool serving() const { return serving_.load(); }
  // CheckHealthForTest re-runs the health probes now.
  void CheckHealthForTest() { health_->Evaluate(); }
  // CheckBundleForTest looks for a changed roster.pb in the bundle now.
  void CheckBundleForTest() { bundle_watcher_->CheckNow(); }

 private:
  using Series = std::vector<std::pair<MetricLabels, double>>;
  Node() = default;
  // LoadChecked is CheckOptions that returns the loaded bundle.
  [[nodiscard]] static absl::StatusOr<MemberBundle> LoadChecked(const NodeOptions& options);
  // OpenState opens the data directory and everything that lives on it:
  // store, roster, model (rebuilt from the store), writer, reader, feed.
  [[nodiscard]] absl::Status OpenState(const NodeOptions& options, const Clock& clock,
                                       const std::shared_ptr<spdlog::sinks::sink>& sink);
  // OpenRoster adopts the newest roster of the bundle, the data dir and the
  // store's floor.
  [[nodiscard]] absl::Status OpenRoster(const NodeOptions& options,
                                        const std::shared_ptr<spdlog::sinks::sink>& sink);
  // AdoptSharedRoster offers the roster another replica stored in a shared
  // store to the keeper (adopted if newer and validly signed).
  [[nodiscard]] absl::Status AdoptSharedRoster(const NodeOptions& options);
  // BuildModel rebuilds the model from the store.
  [[nodiscard]] absl::Status BuildModel(const NodeOptions& options, const Clock& clock,
                                        const std::shared_ptr<spdlog::sinks::sink>& sink);
  // OpenSigningGate makes the gate that stops signing while this node's own
  // log is behind the network's or its member is revoked; closed at start
  // in a data dir `authnetctl restore` marked.
  [[nodiscard]] absl::Status OpenSigningGate(const NodeOptions& options,
                                             const std::shared_ptr<spdlog::sinks::sink>& sink);
  // StartWriter starts the writer, the pull reader, the sync feed and, on a
  // shared store, the follower of other replicas' commits.
  [[nodiscard]] absl::Status StartWriter(const NodeOptions& options,
                                         const std::shared_ptr<spdlog::sinks::sink>& sink);
  // LoadLocalState reads the overrides and the usage counts from the store
  // (before the writer starts).
  [[nodiscard]] absl::Status LoadLocalState();
  // FlushUsage stores the usage counts if they changed.
  void FlushUsage();
  // ApplyCommitted folds committed batches into the model and pokes the
  // sync feed; with `may_catch_up`, a gap (another replica committed first)
  // reads what is missing from the store.
  void ApplyCommitted(const std::vector<v1::BatchBody>& bodies, bool may_catch_up);
  // StoreStatus is the store part of Status.
  v1::StoreStatus StoreStatus() const;
  // WirePeers builds the peer links and what a new roster changes.
  void WirePeers(const NodeOptions& options, const std::shared_ptr<spdlog::sinks::sink>& sink,
                 std::shared_ptr<grpc::experimental::CertificateProviderInterface> tls);
  // StartMetrics starts the metrics listener if --metrics-listen asks for one.
  [[nodiscard]] absl::Status StartMetrics(const NodeOptions& options);
  // StartHttp starts the HTTP/JSON api if --http-listen asks for it
  // (`remote`: off loopback, so HTTPS and tokens).
  [[nodiscard]] absl::Status StartHttp(const NodeOptions& options, bool remote,
                                       const std::shared_ptr<spdlog::sinks::sink>& sink);
  // ListenersStatus says where the listeners listen, for Status.
  v1::Listeners ListenersStatus() const;
  // StartApi and StartPeer bind, build and start the two listeners.
  [[nodiscard]] absl::Status StartApi(const NodeOptions& options, const Clock& clock,
                                      const std::shared_ptr<spdlog::sinks::sink>& sink);
  [[nodiscard]] absl::Status StartPeer(
      const NodeOptions& options, const std::shared_ptr<spdlog::sinks::sink>& sink,
      std::shared_ptr<grpc::experimental::CertificateProviderInterface> peer_tls);
  std::vector<HealthMonitor::Probe> HealthProbes(const Clock& clock);
  // SetServing publishes the health monitor's answer: serving(), /healthz,
  // Status and both listeners' grpc.health.v1.
  void SetServing(bool serving);
  // UpdateNetworkKeys adds the network key epochs `roster` seals to this
  // member to the key ring (keys are never dropped: evidence under an old
  // epoch counts until it expires).
  void UpdateNetworkKeys(const Roster& roster);
  // NoteKeyChanges logs a WARN line and counts every member whose
  // certificate, signing key or sealing key `after` replaces.
  void NoteKeyChanges(const Roster& before, const Roster& after);
  // AddGauges registers the metrics read from the model, roster, peers,
  // health and the member certificate (node_gauges.cc).
  void AddGauges(const NodeOptions& options);

  // First in, last out: every component may count into it.
  std::unique_ptr<MetricsRegistry> metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<MemberBundle> bundle_;
  std::unique_ptr<KeyRing> keys_;
  std::string mac_key_;  // the idempotency MAC key, derived from the signing key
  std::unique_ptr<LogStore> store_;
  std::string replica_;
  std::unique_ptr<RosterKeeper> roster_;
  std::unique_ptr<AlertHub> alerts_;
  std::unique_ptr<OverrideTable> overrides_;
  std::unique_ptr<UsageMeter> usage_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<SigningGate> gate_;
  std::unique_ptr<ReportWriter> writer_;
  std::unique_ptr<LogReader> reader_;
  std::unique_ptr<LogFollower> follower_;  // a shared store only
  std::unique_ptr<SyncFeed> feed_;
  std::unique_ptr<PeriodicThread> usage_flusher_;
  std::unique_ptr<PeerManager> peers_;
  std::unique_ptr<RateLimiter> api_limiter_;
  std::unique_ptr<RateLimiter> peer_limiter_;
  std::unique_ptr<TokenAuthenticator> tokens_;  // a remote api listener only
  std::unique_ptr<ApiGate> api_gate_;
  std::unique_ptr<Checkout> checkout_core_;
  std::unique_ptr<CheckoutService> checkout_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<PeerService> peer_;
  std::unique_ptr<GrpcListener> api_listener_;
  std::unique_ptr<GrpcListener> peer_listener_;
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<BundleWatcher> bundle_watcher_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<ApiGate> http_gate_;  // with --http-listen
  std::unique_ptr<HttpApi> http_api_;
  // The configured listen addresses, for Status.
  struct {
    std::string peer, api, http, metrics;
  } listen_;
  // The health monitor's last answer, read by /healthz and Status without
  // touching the monitor (which Shutdown stops first).
  std::atomic<bool> serving_{true};
  bool shut_down_ = false;
};

}  // namespace authnet
