#include "node/api/checkout_service.h"

#include "node/api/grpc_status.h"

namespace authnet {
namespace {

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx, const absl::Status& st) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(st));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* CheckoutService::Check(grpc::CallbackServerContext* ctx,
                                                 const v1::CheckRequest* req,
                                                 v1::CheckResponse* resp) {
  absl::StatusOr<std::string> client = gate_.Authenticate(*ctx, ApiRole::kCheckout);
  return FinishNow(ctx, client.ok() ? checkout_.Check(*client, *req, resp) : client.status());
}

grpc::ServerUnaryReactor* CheckoutService::CheckBatch(grpc::CallbackServerContext* ctx,
                                                      const v1::CheckBatchRequest* req,
                                                      v1::CheckBatchResponse* resp) {
  absl::StatusOr<std::string> client = gate_.Authenticate(*ctx, ApiRole::kCheckout);
  return FinishNow(ctx, client.ok() ? checkout_.CheckBatch(*client, *req, resp) : client.status());
}

grpc::ServerUnaryReactor* CheckoutService::Report(grpc::CallbackServerContext* ctx,
                                                  const v1::ReportRequest* req,
                                                  v1::ReportResponse* resp) {
  absl::StatusOr<std::string> client = gate_.Authenticate(*ctx, ApiRole::kCheckout);
  if (!client.ok()) {
    return FinishNow(ctx, client.status());
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  checkout_.Report(*client, *req, resp,
                   [reactor](absl::Status st) { reactor->Finish(ToGrpcStatus(st)); });
  return reactor;
}

grpc::ServerUnaryReactor* CheckoutService::Retract(grpc::CallbackServerContext* ctx,
                                                   const v1::RetractRequest* req,
                                                   v1::RetractResponse* resp) {
  absl::StatusOr<std::string> client = gate_.Authenticate(*ctx, ApiRole::kCheckout);
  if (!client.ok()) {
    return FinishNow(ctx, client.status());
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  checkout_.Retract(*client, *req, resp,
                    [reactor](absl::Status st) { reactor->Finish(ToGrpcStatus(st)); });
  return reactor;
}

}  // namespace authnet
