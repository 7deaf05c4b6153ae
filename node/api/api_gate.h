#pragma once

#include <grpcpp/server_context.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "node/admission/connection_gate.h"
#include "node/admission/rate_limiter.h"
#include "node/api/token_authenticator.h"
#include "node/metrics/metrics_registry.h"

namespace authnet {

// ApiGate admits each call on the api listener, from that call alone:
//   - who calls: on a remote listener, the name of the bearer token the call
//     carries (TokenAuthenticator); on a local one, the caller's uid on a
//     unix socket or its address on loopback TCP (ConnectionGate::ClientOf;
//     every connection of one uid or address is one client);
//   - whether the caller may make the call (a checkout token may not call
//     AdminService);
//   - whether the caller's rate limit has room for the work the call asks
//     for: one unit per check, one per subject reported.
// It counts checks and reports per client in authnet_api_checks_total
// {client} and authnet_api_reports_total{client} (a token name, uid:N or an
// address; never an identifier; past 1,000 clients, "other"). Thread-safe.
class ApiGate {
 public:
  // `tokens` is null on a local listener (no tokens); `connections`,
  // `limiter` and `metrics` may be null. All must outlive the gate.
  ApiGate(const TokenAuthenticator* tokens, const ConnectionGate* connections, RateLimiter* limiter,
          MetricsRegistry* metrics)
      : tokens_(tokens), connections_(connections), limiter_(limiter), metrics_(metrics) {}

  // Authenticate returns the calling client's name if it may make a call
  // that needs `need`: UNAUTHENTICATED without a valid token (remote
  // listener), PERMISSION_DENIED for a checkout token on an admin call.
  [[nodiscard]] absl::StatusOr<std::string> Authenticate(const grpc::ServerContextBase& ctx,
                                                         ApiRole need) const;
  // AuthenticateHttp is Authenticate for a call that came over HTTP: its
  // Authorization header's value (nullopt: none) and the client's address
  // without port, which names a local caller.
  [[nodiscard]] absl::StatusOr<std::string> AuthenticateHttp(
      std::optional<absl::string_view> authorization, const std::string& address,
      ApiRole need) const;
  // Charge takes `cost` from `client`'s rate limit, or RESOURCE_EXHAUSTED.
  [[nodiscard]] absl::Status Charge(const std::string& client, double cost) const;
  // Admit is Authenticate, then Charge.
  [[nodiscard]] absl::StatusOr<std::string> Admit(const grpc::ServerContextBase& ctx, ApiRole need,
                                                  double cost = 1) const;

  // CountChecks and CountReports add `n` to the client's counter.
  void CountChecks(const std::string& client, uint64_t n) const ABSL_LOCKS_EXCLUDED(mu_);
  void CountReports(const std::string& client, uint64_t n) const ABSL_LOCKS_EXCLUDED(mu_);

  // tokens_required: a remote listener, where every call needs a token.
  bool tokens_required() const { return tokens_ != nullptr; }

 private:
  struct ClientCounters {
    Counter* checks = nullptr;
    Counter* reports = nullptr;
  };
  ClientCounters CountersOf(const std::string& client) const ABSL_LOCKS_EXCLUDED(mu_);

  const TokenAuthenticator* const tokens_;
  const ConnectionGate* const connections_;
  RateLimiter* const limiter_;
  MetricsRegistry* const metrics_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, ClientCounters> counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authnet
