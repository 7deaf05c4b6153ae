#pragma once

#include "authnet/v1/admin.grpc.pb.h"
#include "node/bundle/roster.h"
#include "node/core/clock.h"
#include "node/model/model.h"

namespace authnet {

// AdminService serves Status on the api listener: who this node is, what it
// holds and whom it peers with. Thread-safe.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  // All references must outlive the service.
  AdminService(std::string member, const Roster& roster, const Model& model, const Clock& clock)
      : member_(std::move(member)), roster_(roster), model_(model), clock_(clock) {}

  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* ctx, const v1::StatusRequest* req,
                                   v1::StatusResponse* resp) override;

 private:
  const std::string member_;
  const Roster& roster_;
  const Model& model_;
  const Clock& clock_;
};

}  // namespace authnet
