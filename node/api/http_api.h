#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "authnet/v1/admin.pb.h"
#include "google/protobuf/message.h"
#include "node/api/api_gate.h"
#include "node/api/checkout.h"
#include "node/core/listen_address.h"
#include "node/metrics/metrics_registry.h"
#include "spdlog/logger.h"

struct MHD_Daemon;

namespace authnet {

// HttpApiOptions bound the HTTP/JSON api listener.
struct HttpApiOptions {
  // Largest request body, in bytes (limits.api_max_message_bytes).
  size_t max_body_bytes = 4 << 20;
  // Connections at once, in all and from one client address.
  unsigned max_connections = 1024;
  unsigned max_per_host = 64;
  // A connection idle this long (a request sent slowly, a keep-alive left
  // open) is closed.
  unsigned idle_timeout_s = 30;
  // Threads of the event loop: each serves many connections.
  unsigned threads = 4;
  // PEM certificate chain and key: serve HTTPS (required off loopback).
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

// HttpApi serves the checkout api as HTTP/JSON beside gRPC (docs/architecture.md §4;
// docs/integrators/http.md; the OpenAPI document sdk/openapi.yaml):
//   POST /v1/check        CheckRequest       -> CheckResponse
//   POST /v1/check-batch  CheckBatchRequest  -> CheckBatchResponse
//   POST /v1/report       ReportRequest      -> ReportResponse
//   POST /v1/retract      RetractRequest     -> RetractResponse
//   GET  /v1/status                          -> StatusResponse (admin)
// Bodies are protobuf's canonical JSON mapping of those messages, parsed
// and printed by protobuf itself; unknown fields are refused. Every call is
// admitted by `gate` (a bearer token in the Authorization header on a
// remote listener; the client's address on loopback) and answered by
// `checkout`, so limits, counters and answers are the gRPC api's. An error
// is the HTTP status of its gRPC code with the body
//   {"code": "INVALID_ARGUMENT", "message": "subjects.gtin: ..."}.
// Calls are timed in authnet_rpc_duration_seconds{listener="http"}.
// It runs libmicrohttpd (epoll, a small thread pool, so idle and slow
// clients hold no thread); a report suspends its connection until durable.
// Thread-safe; Stop (or the destructor) waits for reports in flight.
class HttpApi {
 public:
  using StatusFiller = std::function<void(v1::StatusResponse*)>;

  // Start listens on `address` (HOST:PORT, port 0 picks one) and serves.
  // Everything referenced must outlive the server. FAILED_PRECONDITION
  // naming --http-listen if the address cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpApi>> Start(
      const ListenAddress& address, HttpApiOptions options, const ApiGate& gate, Checkout& checkout,
      StatusFiller status, MetricsRegistry& metrics, std::shared_ptr<spdlog::logger> log);
  ~HttpApi();

  int port() const { return port_; }
  void Stop();

  struct Handler;  // what libmicrohttpd's callbacks need

 private:
  HttpApi() = default;

  std::unique_ptr<Handler> handler_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

// ParseJsonBody parses an HTTP request body as `request`'s canonical JSON
// (protobuf's parser; unknown fields refused): INVALID_ARGUMENT "body: ..."
// when it is not. PrintJsonBody prints a response the same way, with
// fields at their default values included.
[[nodiscard]] absl::Status ParseJsonBody(const std::string& body,
                                         google::protobuf::Message* request);
std::string PrintJsonBody(const google::protobuf::Message& response);

// HttpStatusOf maps a gRPC status code to the HTTP status an HTTP/JSON api
// answers with (google.rpc.Code's mapping: INVALID_ARGUMENT 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, RESOURCE_EXHAUSTED 429,
// UNAVAILABLE 503, ...).
unsigned HttpStatusOf(absl::StatusCode code);

}  // namespace authnet
