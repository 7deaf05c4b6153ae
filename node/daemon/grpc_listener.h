#pragma once

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/admission/call_guard.h"
#include "node/admission/connection_gate.h"
#include "node/api/health_service.h"
#include "node/core/listen_address.h"
#include "node/metrics/metrics_registry.h"
#include "spdlog/logger.h"

namespace authnet {

// GrpcListenerOptions describe one of authnetd's gRPC listeners.
struct GrpcListenerOptions {
  std::string name;  // "api" or "peer": in logs and metrics
  std::string flag;  // the option errors name: "--api-listen"
  ListenAddress address;
  // TLS (server or mutual) or insecure; a unix socket takes insecure only.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  int max_message_bytes = 4 << 20;
  int max_concurrent_streams = 100;
  ConnectionLimits connections;
  CallGuard::Options abusive_calls;
  // grpc::ResourceQuota of the server. In gRPC 1.51 it is a soft signal
  // (reclaimers close idle connections under pressure), not a hard cap.
  size_t memory_quota_bytes = 256 << 20;
  // A connection older than this is asked to go away (GOAWAY), and closed
  // after max_connection_age_grace; clients reconnect.
  std::chrono::milliseconds max_connection_age{std::chrono::hours(1)};
  std::chrono::milliseconds max_connection_age_grace{std::chrono::minutes(1)};
  // Offer server reflection (the local api listener only).
  bool reflection = false;
  // Vets health calls (the peer listener: members only); empty for none.
  HealthService::Admit health_admit;
  // Names a call's client when CallGuard closes its connection.
  CallGuard::Describe describe;
};

// GrpcListener is one gRPC listener of authnetd, built in two steps so the
// services can be told about its connections before it serves: Bind takes
// the address (a port in use fails here), Serve builds the grpc::Server —
// callback services, the listener's limits, a CallGuard and the rpc metrics
// interceptor, the node's own grpc.health.v1 — and starts accepting through
// the ConnectionGate. Thread-safe after Serve; Shutdown once.
class GrpcListener {
 public:
  // Bind listens on `options.address`; FAILED_PRECONDITION naming the flag
  // if it cannot. `metrics` must outlive the listener.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<GrpcListener>> Bind(
      GrpcListenerOptions options, MetricsRegistry& metrics, std::shared_ptr<spdlog::logger> log);
  ~GrpcListener();

  // Serve registers `services` (they must outlive the listener), starts the
  // server and accepts connections. INTERNAL if gRPC will not start.
  [[nodiscard]] absl::Status Serve(const std::vector<grpc::Service*>& services);

  // Shutdown stops accepting, ends health watches, lets calls in flight
  // finish until `deadline` (then cancels them) and stops the server.
  void Shutdown(std::chrono::system_clock::time_point deadline);

  // The TCP port bound (0 for a unix socket).
  int port() const { return gate_->port(); }
  const ConnectionGate& connections() const { return *gate_; }
  HealthService& health() { return health_; }
  // Where it listens, for log lines: "unix:/run/authnet/api.sock", "127.0.0.1:7701".
  std::string Describe() const;

 private:
  GrpcListener(GrpcListenerOptions options, MetricsRegistry& metrics,
               std::shared_ptr<spdlog::logger> log);
  void ApplyLimits(grpc::ServerBuilder& builder) const;

  const GrpcListenerOptions options_;
  MetricsRegistry& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  HealthService health_;
  std::unique_ptr<ConnectionGate> gate_;
  std::unique_ptr<CallGuard> guard_;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::unique_ptr<grpc::Server> server_;
  bool shut_down_ = false;
};

}  // namespace authnet
