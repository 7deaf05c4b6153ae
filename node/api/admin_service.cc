#include "node/api/admin_service.h"

#include "node/api/feed_stream.h"
#include "node/api/grpc_status.h"
#include "node/core/build_info.h"

namespace authnet {

grpc::ServerUnaryReactor* AdminService::Status(grpc::CallbackServerContext* ctx,
                                               const v1::StatusRequest* /*req*/,
                                               v1::StatusResponse* resp) {
  if (absl::StatusOr<std::string> client = gate_.Admit(*ctx, ApiRole::kAdmin); !client.ok()) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(ToGrpcStatus(client.status()));
    return reactor;
  }
  FillStatus(resp);
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void AdminService::FillStatus(v1::StatusResponse* resp) const {
  std::shared_ptr<const Roster> roster = roster_.Current();
  resp->set_member(member_);
  resp->set_network(roster->network());
  resp->set_version(GetBuildInfo().Text());
  resp->set_roster_version(roster->version());
  resp->set_records(model_.Records());
  resp->set_model_fingerprint(model_.Fingerprint());
  resp->set_today(clock_.Today());
  resp->set_roster_expires_unix(roster->body().expires_unix());
  std::optional<std::string> not_serving = not_serving_ ? not_serving_() : std::nullopt;
  resp->set_serving(!not_serving.has_value());
  resp->set_not_serving_reason(not_serving.value_or(""));
  if (keys_ != nullptr) {
    std::shared_ptr<const Digester> digester = keys_->Current();
    resp->set_key_epoch(digester->CurrentEpoch());
    for (uint32_t epoch : model_.LiveEpochs(digester->Epochs())) {
      resp->add_live_key_epochs(epoch);
    }
  }
  if (store_) {
    *resp->mutable_store() = store_();
  }
  for (const auto& [origin, seq] : model_.VersionVector()) {
    (*resp->mutable_version_vector())[origin] = seq;
  }
  for (const PeerState& peer : peers_.Peers()) {
    v1::PeerStatus* p = resp->add_peers();
    p->set_member(peer.member);
    p->set_address(peer.address);
    p->set_connected(peer.connected);
    p->set_lag_records(peer.lag_records);
  }
  if (listeners_) {
    *resp->mutable_listeners() = listeners_();
  }
}

grpc::ServerUnaryReactor* AdminService::ShowRoster(grpc::CallbackServerContext* ctx,
                                                   const v1::ShowRosterRequest* /*req*/,
                                                   v1::ShowRosterResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (absl::StatusOr<std::string> client = gate_.Admit(*ctx, ApiRole::kAdmin); !client.ok()) {
    reactor->Finish(ToGrpcStatus(client.status()));
    return reactor;
  }
  *resp->mutable_roster() = roster_.Current()->signed_roster();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::PushRoster(grpc::CallbackServerContext* ctx,
                                                   const v1::PushRosterRequest* req,
                                                   v1::PushRosterResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (absl::StatusOr<std::string> client = gate_.Admit(*ctx, ApiRole::kAdmin); !client.ok()) {
    reactor->Finish(ToGrpcStatus(client.status()));
    return reactor;
  }
  // Verified and persisted on the roster keeper's thread, not this one.
  roster_.OfferAsync(req->roster(), [this, reactor, resp](absl::StatusOr<bool> adopted) {
    if (!adopted.ok()) {
      log_->warn("refused a pushed roster: {}", std::string(adopted.status().message()));
      reactor->Finish(ToGrpcStatus(adopted.status()));
      return;
    }
    resp->set_adopted(*adopted);
    resp->set_version(roster_.Current()->version());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::SupplierAlert>* AdminService::WatchAlerts(
    grpc::CallbackServerContext* ctx, const v1::WatchAlertsRequest* req) {
  if (absl::StatusOr<std::string> client = gate_.Admit(*ctx, ApiRole::kAdmin); !client.ok()) {
    return new RefusedStream<v1::SupplierAlert>(client.status());
  }
  // Every alert held, oldest first, then each new one; the cursor is the id
  // of the last one written.
  auto next = [this, cursor = uint64_t{0}](bool) mutable -> std::optional<v1::SupplierAlert> {
    std::optional<v1::SupplierAlert> alert = alerts_.After(cursor);
    if (alert) {
      cursor = alert->id();
    }
    return alert;
  };
  return new FeedStream<v1::SupplierAlert>(alerts_.watchers(), std::move(next),
                                           /*finish_when_idle=*/!req->follow(), nullptr, nullptr);
}

}  // namespace authnet
