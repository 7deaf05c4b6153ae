#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "node/bundle/api_tokens.h"
#include "node/core/file_stamp.h"
#include "node/core/periodic_thread.h"
#include "spdlog/logger.h"

namespace authnet {

// ApiCaller is who a bearer token says is calling.
struct ApiCaller {
  std::string name;  // the token's name
  ApiRole role = ApiRole::kCheckout;
};

// TokenAuthenticator authenticates each call on a remote api listener by
// the bearer token ("authorization: Bearer anet_...") in that call's own
// metadata, never by the connection it came on: two calls on one
// connection are judged each on its own token. It holds the tokens of
// DATA_DIR/api-tokens (their SHA-256) in memory; a thread of its own
// re-reads the file when it changes, looking every `interval`, so `authnetctl
// token create/revoke` takes effect on open connections too within a
// second. Authenticate reads only memory: no disk I/O on a call's thread.
// A damaged file fails closed (every token refused until it is fixed).
// Never logs a token. Thread-safe; the destructor stops the thread.
class TokenAuthenticator {
 public:
  TokenAuthenticator(std::filesystem::path data_dir, std::shared_ptr<spdlog::logger> log,
                     std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  // With the tokens of `source` (a shared store's, for replicas). While the
  // source is UNAVAILABLE, the tokens held stay in force.
  TokenAuthenticator(std::unique_ptr<ApiTokenSource> source, std::shared_ptr<spdlog::logger> log,
                     std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~TokenAuthenticator();

  // Authenticate returns the caller the call's token names. UNAUTHENTICATED
  // (saying what to do) without an authorization header, with one that is
  // not "Bearer TOKEN", or with an unknown or revoked token.
  [[nodiscard]] absl::StatusOr<ApiCaller> Authenticate(const grpc::ServerContextBase& ctx) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // AuthenticateHeader judges the value of a call's authorization header
  // (nullopt: the call has none), for transports other than gRPC.
  [[nodiscard]] absl::StatusOr<ApiCaller> AuthenticateHeader(
      std::optional<absl::string_view> authorization) const ABSL_LOCKS_EXCLUDED(mu_);

  // Reload re-reads the token file now if it changed (tests call it instead
  // of waiting for the thread).
  void Reload() ABSL_LOCKS_EXCLUDED(mu_, reload_mu_);

 private:
  using TokenMap = std::map<std::string, ApiCaller>;  // by SHA-256 of the token

  const std::unique_ptr<ApiTokenSource> source_;
  std::shared_ptr<spdlog::logger> log_;

  absl::Mutex reload_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one reload at a time
  bool loaded_ ABSL_GUARDED_BY(reload_mu_) = false;
  bool unreachable_ ABSL_GUARDED_BY(reload_mu_) = false;
  size_t held_ ABSL_GUARDED_BY(reload_mu_) = 0;

  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenMap> tokens_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<PeriodicThread> reloader_;  // last: stopped first
};

}  // namespace authnet
