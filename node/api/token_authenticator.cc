#include "node/api/token_authenticator.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

constexpr char kBearer[] = "Bearer ";

}  // namespace

TokenAuthenticator::TokenAuthenticator(std::filesystem::path data_dir,
                                       std::shared_ptr<spdlog::logger> log,
                                       std::chrono::milliseconds interval)
    : TokenAuthenticator(std::make_unique<FileTokenSource>(std::move(data_dir)), std::move(log),
                         interval) {}

TokenAuthenticator::TokenAuthenticator(std::unique_ptr<ApiTokenSource> source,
                                       std::shared_ptr<spdlog::logger> log,
                                       std::chrono::milliseconds interval)
    : source_(std::move(source)), log_(std::move(log)), tokens_(std::make_shared<TokenMap>()) {
  Reload();
  reloader_ = std::make_unique<PeriodicThread>(interval, [this] { Reload(); });
}

TokenAuthenticator::~TokenAuthenticator() = default;

void TokenAuthenticator::Reload() {
  absl::MutexLock reload_lock(&reload_mu_);
  absl::StatusOr<std::optional<std::vector<ApiToken>>> read = source_->ReadIfChanged();
  if (read.ok() && !read->has_value()) {
    return;  // unchanged
  }
  if (!read.ok() && absl::IsUnavailable(read.status()) && loaded_) {
    // The shared store is unreachable: keep the tokens held (a database
    // outage must not lock every client out of checks), and say so once.
    if (!unreachable_) {
      log_->warn("cannot read the api tokens from {}: {}; keeping the {} held", source_->Where(),
                 std::string(read.status().message()), held_);
    }
    unreachable_ = true;
    return;
  }
  unreachable_ = false;
  loaded_ = true;
  auto next = std::make_shared<TokenMap>();
  if (!read.ok()) {
    // Fail closed: a damaged file grants nothing until it is fixed.
    log_->error("api tokens not loaded, every token is refused: {}",
                std::string(read.status().message()));
  } else {
    for (ApiToken& t : **read) {
      (*next)[t.sha256] = ApiCaller{std::move(t.name), t.role};
    }
    log_->info("api tokens loaded from {}: {}", source_->Where(), next->size());
  }
  held_ = next->size();
  absl::MutexLock lock(&mu_);
  tokens_ = std::move(next);
}

absl::StatusOr<ApiCaller> TokenAuthenticator::Authenticate(
    const grpc::ServerContextBase& ctx) const {
  const auto& metadata = ctx.client_metadata();
  auto header = metadata.find("authorization");
  if (header == metadata.end()) {
    return AuthenticateHeader(std::nullopt);
  }
  return AuthenticateHeader(absl::string_view(header->second.data(), header->second.size()));
}

absl::StatusOr<ApiCaller> TokenAuthenticator::AuthenticateHeader(
    std::optional<absl::string_view> authorization) const {
  if (!authorization) {
    return absl::UnauthenticatedError(
        "this api listener needs a bearer token (authorization: Bearer TOKEN) on every call; "
        "create one with `authnetctl token create`");
  }
  absl::string_view value = *authorization;
  // The scheme is case-insensitive (RFC 9110 §11.1).
  if (!absl::StartsWithIgnoreCase(value, kBearer)) {
    return absl::UnauthenticatedError("authorization: expected \"Bearer TOKEN\"");
  }
  std::string hash = ApiTokenFile::Hash(value.substr(sizeof(kBearer) - 1));
  std::shared_ptr<const TokenMap> tokens;
  {
    absl::MutexLock lock(&mu_);
    tokens = tokens_;
  }
  auto found = tokens->find(hash);
  if (found == tokens->end()) {
    return absl::UnauthenticatedError(
        "unknown or revoked bearer token (create one with `authnetctl token create`)");
  }
  return found->second;
}

}  // namespace authnet
