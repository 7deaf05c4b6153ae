#pragma once

#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/server_context.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "node/api/rate_limiter.h"
#include "node/bundle/api_tokens.h"
#include "node/core/file_stamp.h"
#include "spdlog/logger.h"

namespace authnet {

// TokenAuthenticator checks the bearer token ("authorization: Bearer
// anet_...") of each call on a remote (TLS) api listener against the node's
// token file, DATA_DIR/api-tokens, re-read when it changes (checked at most
// once a second), so `authnetctl token create/revoke` take effect without a
// restart. A call with a known token carries its role to the services
// (CheckApiRole); a call with an unknown or revoked token is refused
// UNAUTHENTICATED; a call without one passes on without a role, so only
// grpc.health.v1 and reflection answer it. Never logs a token. Thread-safe.
class TokenAuthenticator final : public grpc::AuthMetadataProcessor {
 public:
  TokenAuthenticator(std::filesystem::path data_dir, std::shared_ptr<spdlog::logger> log);

  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  using TokenMap = std::map<std::string, ApiToken>;  // by sha256
  std::shared_ptr<const TokenMap> Current() ABSL_LOCKS_EXCLUDED(mu_);

  const std::filesystem::path data_dir_;
  std::shared_ptr<spdlog::logger> log_;
  absl::Mutex mu_;
  std::shared_ptr<const TokenMap> tokens_ ABSL_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point checked_ ABSL_GUARDED_BY(mu_);
  FileStamp seen_ ABSL_GUARDED_BY(mu_);
};

// AdmitApiCall lets a call through if the listener does not take tokens
// (`tokens_required` false: a unix socket or loopback listener) or if the
// call's token grants `need` (admin grants everything), and then if
// `limiter` (may be null) admits its client: the token's name on a remote
// listener, the connection's address on a local one. Otherwise
// UNAUTHENTICATED (no token), PERMISSION_DENIED (a checkout token on an
// admin call) or RESOURCE_EXHAUSTED (over the rate limit).
[[nodiscard]] absl::Status AdmitApiCall(const grpc::ServerContextBase& ctx, ApiRole need,
                                        bool tokens_required, RateLimiter* limiter);

}  // namespace authnet
