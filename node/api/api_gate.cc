#include "node/api/api_gate.h"

#include "node/admission/connection_gate.h"
#include "node/metrics/metric_names.h"

namespace authnet {
namespace {

// Clients counted by name; more than this share the "other" series, so a
// local process cannot grow the metrics without bound.
constexpr size_t kMaxCountedClients = 1000;

}  // namespace

absl::StatusOr<std::string> ApiGate::Admit(const grpc::ServerContextBase& ctx, ApiRole need,
                                           double cost) const {
  absl::StatusOr<std::string> client = Authenticate(ctx, need);
  if (client.ok()) {
    if (absl::Status st = Charge(*client, cost); !st.ok()) {
      return st;
    }
  }
  return client;
}

absl::Status ApiGate::Charge(const std::string& client, double cost) const {
  return limiter_ == nullptr ? absl::OkStatus() : limiter_->Admit(client, cost);
}

namespace {

absl::StatusOr<std::string> NameOf(absl::StatusOr<ApiCaller> caller, ApiRole need) {
  if (!caller.ok()) {
    return caller.status();
  }
  if (need == ApiRole::kAdmin && caller->role != ApiRole::kAdmin) {
    return absl::PermissionDeniedError(
        "this call needs an admin token; the token given is a checkout token");
  }
  return std::move(caller->name);
}

}  // namespace

absl::StatusOr<std::string> ApiGate::AuthenticateHttp(
    std::optional<absl::string_view> authorization, const std::string& address,
    ApiRole need) const {
  if (tokens_ != nullptr) {
    return NameOf(tokens_->AuthenticateHeader(authorization), need);
  }
  return address.empty() ? std::string("local") : address;
}

absl::StatusOr<std::string> ApiGate::Authenticate(const grpc::ServerContextBase& ctx,
                                                  ApiRole need) const {
  if (tokens_ != nullptr) {
    return NameOf(tokens_->Authenticate(ctx), need);
  }
  std::string peer = ctx.peer();
  std::string client = connections_ != nullptr ? connections_->ClientOf(peer) : "";
  if (client.empty()) {
    client = PeerKey(peer, /*host_only=*/true);
  }
  return client.empty() ? std::string("local") : client;
}

ApiGate::ClientCounters ApiGate::CountersOf(const std::string& client) const {
  if (metrics_ == nullptr) {
    return {};
  }
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = counters_.find(client); it != counters_.end()) {
      return it->second;
    }
  }
  absl::MutexLock lock(&mu_);
  const std::string& name = counters_.size() < kMaxCountedClients ? client : "other";
  auto [it, inserted] = counters_.try_emplace(name);
  if (inserted) {
    it->second.checks = &metrics_->GetCounter(kApiChecks, kApiChecksHelp, {{"client", name}});
    it->second.reports = &metrics_->GetCounter(kApiReports, kApiReportsHelp, {{"client", name}});
  }
  return it->second;
}

void ApiGate::CountChecks(const std::string& client, uint64_t n) const {
  if (Counter* c = CountersOf(client).checks) {
    c->Increment(n);
  }
}

void ApiGate::CountReports(const std::string& client, uint64_t n) const {
  if (Counter* c = CountersOf(client).reports) {
    c->Increment(n);
  }
}

}  // namespace authnet
