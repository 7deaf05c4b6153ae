#pragma once

#include <atomic>
#include <functional>

#include "absl/status/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "node/sync/sync_feed.h"

namespace authnet {

// HealthService serves the standard grpc.health.v1.Health on one listener,
// for the node as a whole (service ""): Check answers SERVING or
// NOT_SERVING as SetServing last said; Watch sends the status, then each
// change. Another service name is NOT_FOUND (Watch: SERVICE_UNKNOWN).
// `admit` (may be empty) vets each call first and its error is the answer:
// the peer listener answers only enrolled, active members. authnetd serves
// this instead of gRPC's default health service, which answers anyone.
// Thread-safe; never blocks inside a reaction.
class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  using Admit = std::function<absl::Status(grpc::CallbackServerContext* ctx)>;

  explicit HealthService(Admit admit = nullptr) : admit_(std::move(admit)) {}

  // SetServing changes the status every caller sees, and tells watchers.
  void SetServing(bool serving);
  bool serving() const { return serving_.load(); }
  // CloseWatches ends every Watch (the node is shutting down), so a server
  // shutdown need not wait for them.
  void CloseWatches() { watchers_.CloseAll(); }

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx,
                                  const grpc::health::v1::HealthCheckRequest* req,
                                  grpc::health::v1::HealthCheckResponse* resp) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req) override;

 private:
  const Admit admit_;
  std::atomic<bool> serving_{false};
  SyncFeed watchers_;
};

}  // namespace authnet
