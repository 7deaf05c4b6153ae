#pragma once

#include "authnet/v1/checkout.grpc.pb.h"
#include "node/api/api_gate.h"
#include "node/api/checkout.h"

namespace authnet {

// CheckoutService serves Check, CheckBatch, Report and Retract over gRPC on
// the api listener: the ApiGate authenticates each call from its own
// metadata and connection, then Checkout answers it.
// Thread-safe; never blocks inside a reaction.
class CheckoutService final : public v1::CheckoutService::CallbackService {
 public:
  // `gate` and `checkout` must outlive the service.
  CheckoutService(const ApiGate& gate, Checkout& checkout) : gate_(gate), checkout_(checkout) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx, const v1::CheckRequest* req,
                                  v1::CheckResponse* resp) override;
  grpc::ServerUnaryReactor* CheckBatch(grpc::CallbackServerContext* ctx,
                                       const v1::CheckBatchRequest* req,
                                       v1::CheckBatchResponse* resp) override;
  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* ctx, const v1::ReportRequest* req,
                                   v1::ReportResponse* resp) override;
  grpc::ServerUnaryReactor* Retract(grpc::CallbackServerContext* ctx, const v1::RetractRequest* req,
                                    v1::RetractResponse* resp) override;

 private:
  const ApiGate& gate_;
  Checkout& checkout_;
};

}  // namespace authnet
