#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <string>

#include "node/metrics/metrics_registry.h"

namespace authnet {

// RpcMetricsFactory makes the server interceptor that times every call a
// gRPC server answers into the histogram
//   authnet_rpc_duration_seconds{listener, method, code}
// (its _count is the number of calls by method and status code). Install it
// with ServerBuilder::experimental().SetInterceptorCreators. `metrics` must
// outlive the server. Thread-safe.
class RpcMetricsFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RpcMetricsFactory(MetricsRegistry& metrics, std::string listener)
      : metrics_(metrics), listener_(std::move(listener)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  MetricsRegistry& metrics_;
  const std::string listener_;
};

// GrpcCodeName returns the canonical name of a status code ("OK",
// "INVALID_ARGUMENT", ...).
const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace authnet
