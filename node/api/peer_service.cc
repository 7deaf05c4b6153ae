#include "node/api/peer_service.h"

#include "node/api/grpc_status.h"
#include "node/api/peer_authorizer.h"

namespace authnet {

grpc::ServerUnaryReactor* PeerService::GetRoster(grpc::CallbackServerContext* ctx,
                                                 const v1::GetRosterRequest* req,
                                                 v1::GetRosterResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<std::string> peer = AuthorizePeer(*ctx->auth_context(), roster_);
  if (!peer.ok()) {
    log_->warn("refused peer call from {}: {}", ctx->peer(), std::string(peer.status().message()));
    reactor->Finish(ToGrpcStatus(peer.status()));
    return reactor;
  }
  resp->set_version(roster_.version());
  if (roster_.version() > req->known_version()) {
    *resp->mutable_roster() = roster_.signed_roster();
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace authnet
