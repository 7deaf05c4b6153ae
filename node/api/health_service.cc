#include "node/api/health_service.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "node/api/feed_stream.h"
#include "node/api/grpc_status.h"
#include "node/core/log_text.h"

namespace authnet {
namespace {

using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus StatusOf(bool serving) {
  return serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

}  // namespace

void HealthService::SetServing(bool serving) {
  if (serving_.exchange(serving) != serving) {
    watchers_.Notify();
  }
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* ctx,
                                               const grpc::health::v1::HealthCheckRequest* req,
                                               HealthCheckResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (admit_) {
    if (absl::Status st = admit_(ctx); !st.ok()) {
      reactor->Finish(ToGrpcStatus(st));
      return reactor;
    }
  }
  if (!req->service().empty()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 absl::StrCat("service: \"", ForeignForLog(req->service()),
                                              "\" is not reported on; ask about \"\" (the node)")));
    return reactor;
  }
  resp->set_status(StatusOf(serving()));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req) {
  if (admit_) {
    if (absl::Status st = admit_(ctx); !st.ok()) {
      return new RefusedStream<HealthCheckResponse>(st);
    }
  }
  bool known = req->service().empty();
  // The status now, then each change (a poke when nothing changed sends
  // nothing).
  auto next = [this, known, sent = std::optional<HealthCheckResponse::ServingStatus>()](
                  bool) mutable -> std::optional<HealthCheckResponse> {
    HealthCheckResponse::ServingStatus now =
        known ? StatusOf(serving()) : HealthCheckResponse::SERVICE_UNKNOWN;
    if (sent == now) {
      return std::nullopt;
    }
    sent = now;
    HealthCheckResponse resp;
    resp.set_status(now);
    return resp;
  };
  return new FeedStream<HealthCheckResponse>(watchers_, std::move(next),
                                             /*finish_when_idle=*/false, nullptr, nullptr);
}

}  // namespace authnet
