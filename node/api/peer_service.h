#pragma once

#include <map>
#include <memory>
#include <string>

#include "authnet/v1/peer.grpc.pb.h"
#include "node/admission/rate_limiter.h"
#include "node/core/log_throttle.h"
#include "node/model/model.h"
#include "node/store/log_reader.h"
#include "node/sync/roster_keeper.h"
#include "node/sync/sync_feed.h"
#include "spdlog/logger.h"

namespace authnet {

// PeerService serves other members' nodes on the mutual-TLS peer listener:
// GetRoster, Pull (batches beyond a version vector, read on the LogReader's
// thread) and Subscribe (a stream of sync state, one event per change).
// Every call is authorized with AuthorizePeer against the current roster.
// Thread-safe; never blocks inside a reaction.
class PeerService final : public v1::PeerService::CallbackService {
 public:
  // All references must outlive the service (and the server's shutdown).
  // `limiter` (may be null) limits each member's calls.
  PeerService(RosterKeeper& roster, const Model& model, LogReader& reader, SyncFeed& feed,
              std::shared_ptr<spdlog::logger> log, RateLimiter* limiter = nullptr)
      : roster_(roster),
        model_(model),
        reader_(reader),
        feed_(feed),
        log_(std::move(log)),
        limiter_(limiter) {}

  grpc::ServerUnaryReactor* GetRoster(grpc::CallbackServerContext* ctx,
                                      const v1::GetRosterRequest* req,
                                      v1::GetRosterResponse* resp) override;
  grpc::ServerUnaryReactor* Pull(grpc::CallbackServerContext* ctx, const v1::PullRequest* req,
                                 v1::PullResponse* resp) override;
  grpc::ServerWriteReactor<v1::SyncEvent>* Subscribe(grpc::CallbackServerContext* ctx,
                                                     const v1::SubscribeRequest* req) override;

  // Authorize returns the calling member's id (AuthorizePeer against the
  // current roster), logging refusals, once the member's rate limit admits
  // the call (else RESOURCE_EXHAUSTED). The peer listener's health service
  // admits its calls with it too.
  absl::StatusOr<std::string> Authorize(grpc::CallbackServerContext* ctx) const;

 private:
  // Limit applies the rate limit (if any) to `client`.
  absl::Status Limit(const std::string& client) const;

  RosterKeeper& roster_;
  const Model& model_;
  LogReader& reader_;
  SyncFeed& feed_;
  std::shared_ptr<spdlog::logger> log_;
  // Refused calls are logged at most once a minute per host and reason: a
  // revoked member's node retries every few seconds, forever.
  mutable LogThrottle refusals_{std::chrono::seconds(60)};
  RateLimiter* const limiter_;
};

}  // namespace authnet
