#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "node/admission/connection_gate.h"
#include "node/admission/rate_limiter.h"
#include "node/metrics/metrics_registry.h"
#include "spdlog/logger.h"

namespace authnet {

// CallGuard watches every call on one listener for the marks of abuse that a
// well-behaved client does not leave:
//   - a call whose request never arrived: the client reset the stream right
//     after opening it, as an HTTP/2 "rapid reset" flood does (CVE-2023-44487;
//     gRPC 1.51 still creates a call for each such stream);
//   - a request that does not parse as the method's message;
//   - a call refused UNAUTHENTICATED or PERMISSION_DENIED.
// Each connection may leave `per_second` such marks a second after `burst`;
// the next one closes the connection and refuses its host for a while
// (ConnectionGate::CloseAndBan), with one log line and a count in
// authnet_abusive_connections_closed_total{listener, member}.
// Every other call tells the gate its connection was served
// (ConnectionGate::NoteServed), which keeps it from being evicted to make
// room. It also answers a request that does not parse INVALID_ARGUMENT,
// saying so (gRPC 1.51 answers UNIMPLEMENTED with an empty message).
// Install its interceptors with NewInterceptorFactory. Thread-safe.
class CallGuard {
 public:
  struct Options {
    double per_second = 20;
    double burst = 100;
  };
  // Describe names a call's client, for the log line and the metric's
  // `member` label ("" for none): on the peer listener, the member id its
  // certificate names. Runs only when a connection is closed.
  using Describe = std::function<std::string(const grpc::ServerContextBase&)>;

  // `gate` and `metrics` (may be null) must outlive the guard.
  CallGuard(Options options, std::string listener, ConnectionGate& gate, MetricsRegistry* metrics,
            Describe describe, std::shared_ptr<spdlog::logger> log);

  // NewInterceptorFactory returns a factory for grpc::ServerBuilder that
  // makes this guard's interceptor for each call; the guard must outlive
  // the server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

  // OnAbusiveCall records one mark against the connection `ctx` came on,
  // `what` saying which; over the limit, it closes that connection.
  void OnAbusiveCall(const grpc::ServerContextBase& ctx, const char* what);
  // OnServedCall tells the gate that the connection `ctx` came on was served
  // a call (ConnectionGate::NoteServed).
  void OnServedCall(const grpc::ServerContextBase& ctx);

 private:
  const std::string listener_;
  ConnectionGate& gate_;
  MetricsRegistry* const metrics_;
  const Describe describe_;
  std::shared_ptr<spdlog::logger> log_;
  RateLimiter marks_;  // per connection (gRPC's peer string)
  absl::Mutex mu_;
  int64_t logged_ ABSL_GUARDED_BY(mu_) = 0;  // when a line was last logged
  uint64_t unlogged_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace authnet
