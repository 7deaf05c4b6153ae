#include "node/api/token_authenticator.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

constexpr char kRoleProperty[] = "authnet_role";
constexpr char kTokenNameProperty[] = "authnet_token";
constexpr char kBearer[] = "Bearer ";

}  // namespace

TokenAuthenticator::TokenAuthenticator(std::filesystem::path data_dir,
                                       std::shared_ptr<spdlog::logger> log)
    : data_dir_(std::move(data_dir)), log_(std::move(log)), tokens_(std::make_shared<TokenMap>()) {}

std::shared_ptr<const TokenAuthenticator::TokenMap> TokenAuthenticator::Current() {
  absl::MutexLock lock(&mu_);
  auto now = std::chrono::steady_clock::now();
  if (now - checked_ < std::chrono::seconds(1) && checked_.time_since_epoch().count() != 0) {
    return tokens_;
  }
  checked_ = now;
  FileStamp stamp = FileStamp::Of(data_dir_ / kApiTokensFile);  // no file: no tokens
  if (stamp == seen_) {
    return tokens_;
  }
  seen_ = stamp;
  absl::StatusOr<std::vector<ApiToken>> read = ApiTokenFile::Read(data_dir_);
  if (!read.ok()) {
    // Fail closed: a damaged file grants nothing until it is fixed.
    log_->error("api tokens not loaded, every token is refused: {}",
                std::string(read.status().message()));
    tokens_ = std::make_shared<TokenMap>();
    return tokens_;
  }
  auto next = std::make_shared<TokenMap>();
  for (ApiToken& t : *read) {
    std::string key = t.sha256;
    next->emplace(std::move(key), std::move(t));
  }
  log_->info("api tokens loaded: {}", next->size());
  tokens_ = std::move(next);
  return tokens_;
}

grpc::Status TokenAuthenticator::Process(const InputMetadata& auth_metadata,
                                         grpc::AuthContext* context,
                                         OutputMetadata* consumed_auth_metadata,
                                         OutputMetadata* /*response_metadata*/) {
  auto header = auth_metadata.find("authorization");
  if (header == auth_metadata.end()) {
    return grpc::Status::OK;
  }
  absl::string_view value(header->second.data(), header->second.size());
  if (!absl::StartsWith(value, kBearer)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "authorization: expected \"Bearer TOKEN\"");
  }
  std::shared_ptr<const TokenMap> tokens = Current();
  auto found = tokens->find(ApiTokenFile::Hash(value.substr(sizeof(kBearer) - 1)));
  if (found == tokens->end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "unknown or revoked bearer token (create one with `authnetctl token "
                        "create`)");
  }
  context->AddProperty(kRoleProperty, std::string(ApiRoleName(found->second.role)));
  context->AddProperty(kTokenNameProperty, found->second.name);
  consumed_auth_metadata->insert(
      std::make_pair(std::string(header->first.data(), header->first.size()), std::string(value)));
  return grpc::Status::OK;
}

absl::Status AdmitApiCall(const grpc::ServerContextBase& ctx, ApiRole need, bool tokens_required,
                          RateLimiter* limiter) {
  std::string client;
  if (tokens_required) {
    std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
    std::vector<grpc::string_ref> roles =
        auth == nullptr ? std::vector<grpc::string_ref>() : auth->FindPropertyValues(kRoleProperty);
    if (roles.empty()) {
      return absl::UnauthenticatedError(
          "this api listener needs a bearer token (authorization: Bearer TOKEN); create one with "
          "`authnetctl token create`");
    }
    absl::string_view role(roles.front().data(), roles.front().size());
    if (need == ApiRole::kAdmin && role != "admin") {
      return absl::PermissionDeniedError(
          "this call needs an admin token; the token given is a "
          "checkout token");
    }
    std::vector<grpc::string_ref> names = auth->FindPropertyValues(kTokenNameProperty);
    if (!names.empty()) {
      client =
          absl::StrCat("token ", absl::string_view(names.front().data(), names.front().size()));
    }
  }
  if (limiter == nullptr) {
    return absl::OkStatus();
  }
  return limiter->Admit(client.empty() ? ctx.peer() : client);
}

}  // namespace authnet
