#include "node/api/admin_service.h"

namespace authnet {

grpc::ServerUnaryReactor* AdminService::Status(grpc::CallbackServerContext* ctx,
                                               const v1::StatusRequest* /*req*/,
                                               v1::StatusResponse* resp) {
  resp->set_member(member_);
  resp->set_network(roster_.network());
  resp->set_roster_version(roster_.version());
  resp->set_records(model_.Records());
  resp->set_model_fingerprint(model_.Fingerprint());
  resp->set_today(clock_.Today());
  for (const auto& [origin, seq] : model_.VersionVector()) {
    (*resp->mutable_version_vector())[origin] = seq;
  }
  // Every other roster member is a peer; none is connected until this node
  // federates (peer connections are not made yet).
  for (const v1::RosterMember& m : roster_.body().members()) {
    if (m.id() != member_ && m.status() == v1::MEMBER_STATUS_ACTIVE) {
      v1::PeerStatus* p = resp->add_peers();
      p->set_member(m.id());
      p->set_connected(false);
    }
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace authnet
