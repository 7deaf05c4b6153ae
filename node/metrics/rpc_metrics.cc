#include "node/metrics/rpc_metrics.h"

#include <chrono>

#include "node/metrics/metric_names.h"

namespace authnet {
namespace {

// RpcMetrics observes one call: created when it arrives, it records the
// call's duration and status code when the status is sent.
class RpcMetrics final : public grpc::experimental::Interceptor {
 public:
  RpcMetrics(MetricsRegistry& metrics, const std::string& listener, const char* method)
      : metrics_(metrics),
        listener_(listener),
        method_(method == nullptr ? "" : method),
        started_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
      metrics_
          .GetHistogram(kRpcDuration, kRpcDurationHelp,
                        {{"listener", listener_},
                         {"method", method_},
                         {"code", GrpcCodeName(methods->GetSendStatus().error_code())}})
          .Observe(took.count());
    }
    methods->Proceed();
  }

 private:
  MetricsRegistry& metrics_;
  const std::string& listener_;
  const std::string method_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace

grpc::experimental::Interceptor* RpcMetricsFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcMetrics(metrics_, listener_, info->method());
}

const char* GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace authnet
