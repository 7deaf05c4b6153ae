#pragma once

#include <memory>

#include "authnet/v1/peer.grpc.pb.h"
#include "node/bundle/roster.h"
#include "spdlog/logger.h"

namespace authnet {

// PeerService serves other members' nodes on the mutual-TLS peer listener.
// Every call is authorized with AuthorizePeer first. Thread-safe.
class PeerService final : public v1::PeerService::CallbackService {
 public:
  // `roster` must outlive the service.
  PeerService(const Roster& roster, std::shared_ptr<spdlog::logger> log)
      : roster_(roster), log_(std::move(log)) {}

  grpc::ServerUnaryReactor* GetRoster(grpc::CallbackServerContext* ctx,
                                      const v1::GetRosterRequest* req,
                                      v1::GetRosterResponse* resp) override;

 private:
  const Roster& roster_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace authnet
