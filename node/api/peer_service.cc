#include "node/api/peer_service.h"

#include <map>

#include "node/api/feed_stream.h"
#include "node/api/grpc_status.h"
#include "node/api/peer_authorizer.h"

namespace authnet {

absl::StatusOr<std::string> PeerService::Authorize(grpc::CallbackServerContext* ctx) const {
  absl::StatusOr<std::string> peer = AuthorizePeer(*ctx->auth_context(), *roster_.Current());
  if (!peer.ok()) {
    log_->warn("refused peer call from {}: {}", ctx->peer(), std::string(peer.status().message()));
  }
  return peer;
}

std::map<std::string, uint64_t> PeerService::ServedHeads() const {
  std::shared_ptr<const Roster> roster = roster_.Current();
  std::map<std::string, uint64_t> heads = model_.VersionVector();
  std::erase_if(heads, [&](const auto& entry) {
    const v1::RosterMember* m = roster->Find(entry.first);
    return m == nullptr || m->status() != v1::MEMBER_STATUS_ACTIVE;
  });
  return heads;
}

v1::SyncEvent PeerService::Event() const {
  v1::SyncEvent event;
  event.set_roster_version(roster_.Current()->version());
  for (const auto& [origin, seq] : ServedHeads()) {
    (*event.mutable_heads())[origin] = seq;
  }
  return event;
}

grpc::ServerUnaryReactor* PeerService::GetRoster(grpc::CallbackServerContext* ctx,
                                                 const v1::GetRosterRequest* req,
                                                 v1::GetRosterResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (req->has_offer() && !ctx->auth_context()->FindPropertyValues("x509_pem_cert").empty()) {
    // Signed by the network admin or refused: safe to take from any caller
    // the network CA vouched for, before knowing whether the roster we hold
    // lists them.
    absl::StatusOr<bool> adopted = roster_.Offer(req->offer());
    if (!adopted.ok()) {
      log_->warn("peer {} offered a roster this node refuses: {}", ctx->peer(),
                 std::string(adopted.status().message()));
    }
  }
  absl::StatusOr<std::string> peer = Authorize(ctx);
  if (!peer.ok()) {
    reactor->Finish(ToGrpcStatus(peer.status()));
    return reactor;
  }
  std::shared_ptr<const Roster> roster = roster_.Current();
  resp->set_version(roster->version());
  if (roster->version() > req->known_version()) {
    *resp->mutable_roster() = roster->signed_roster();
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* PeerService::Pull(grpc::CallbackServerContext* ctx,
                                            const v1::PullRequest* req, v1::PullResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<std::string> peer = Authorize(ctx);
  if (!peer.ok()) {
    reactor->Finish(ToGrpcStatus(peer.status()));
    return reactor;
  }
  std::map<std::string, uint64_t> have(req->have().begin(), req->have().end());
  reader_.Pull(std::move(have), ServedHeads(), req->max_records(),
               [reactor, resp](absl::StatusOr<PullResult> result) {
                 if (result.ok()) {
                   for (v1::SignedBatch& b : result->batches) {
                     *resp->add_batches() = std::move(b);
                   }
                   resp->set_more(result->more);
                 }
                 reactor->Finish(ToGrpcStatus(result.status()));
               });
  return reactor;
}

grpc::ServerWriteReactor<v1::SyncEvent>* PeerService::Subscribe(
    grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* /*req*/) {
  absl::StatusOr<std::string> peer = Authorize(ctx);
  if (!peer.ok()) {
    return new RefusedStream<v1::SyncEvent>(peer.status());
  }
  // One event per poke: the current state, so a burst of commits is one event.
  auto next = [this](bool poked) -> std::optional<v1::SyncEvent> {
    return poked ? std::optional<v1::SyncEvent>(Event()) : std::nullopt;
  };
  // The stream ends once its caller is no longer an active member presenting
  // its enrolled certificate.
  auto still_member = [auth = ctx->auth_context()](const Roster& roster) {
    return AuthorizePeer(*auth, roster).status();
  };
  return new FeedStream<v1::SyncEvent>(feed_, std::move(next), /*finish_when_idle=*/false,
                                       std::move(still_member), roster_.Current().get());
}

}  // namespace authnet
