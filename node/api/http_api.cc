#include "node/api/http_api.h"

#include <arpa/inet.h>
#include <google/protobuf/util/json_util.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "node/core/listen_socket.h"
#include "node/metrics/metric_names.h"

namespace authnet {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Route is one endpoint of the api.
enum class Route { kCheck, kCheckBatch, kReport, kRetract, kStatus };

struct RouteInfo {
  const char* path;
  const char* method;
  Route route;
};
constexpr RouteInfo kRoutes[] = {
    {"/v1/check", "POST", Route::kCheck},   {"/v1/check-batch", "POST", Route::kCheckBatch},
    {"/v1/report", "POST", Route::kReport}, {"/v1/retract", "POST", Route::kRetract},
    {"/v1/status", "GET", Route::kStatus},
};

// Call is one request on its way through: created when its headers arrive,
// freed when libmicrohttpd says it is complete.
struct Call {
  const RouteInfo* route = nullptr;
  SteadyClock::time_point started = SteadyClock::now();
  std::string body;
  bool too_large = false;
  std::unique_ptr<google::protobuf::Message> request;
  std::unique_ptr<google::protobuf::Message> response;
  // A write's outcome, filled by the writer's thread.
  absl::Mutex mu;
  bool ready ABSL_GUARDED_BY(mu) = false;
  bool suspended ABSL_GUARDED_BY(mu) = false;
  absl::Status outcome ABSL_GUARDED_BY(mu);
};

std::string ErrorBody(const absl::Status& st) {
  v1::HttpError body;
  body.set_code(absl::StatusCodeToString(st.code()));
  body.set_message(std::string(st.message()));
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(body, &out);
  return out;
}

std::string ClientAddress(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) {
    return "";
  }
  char text[INET6_ADDRSTRLEN] = {};
  const sockaddr* addr = info->client_addr;
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof(text));
  } else if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text,
              sizeof(text));
  }
  return text;
}

std::optional<absl::string_view> Header(MHD_Connection* connection, const char* name) {
  const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
  if (value == nullptr) {
    return std::nullopt;
  }
  return absl::string_view(value);
}

// IsJson: a Content-Type of application/json, with parameters or not.
bool IsJson(absl::string_view type) {
  absl::string_view media = type.substr(0, type.find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(media), "application/json");
}

const RouteInfo* FindRoute(const char* url) {
  for (const RouteInfo& r : kRoutes) {
    if (std::strcmp(url, r.path) == 0) {
      return &r;
    }
  }
  return nullptr;
}

std::unique_ptr<google::protobuf::Message> NewRequest(Route route) {
  switch (route) {
    case Route::kCheck:
      return std::make_unique<v1::CheckRequest>();
    case Route::kCheckBatch:
      return std::make_unique<v1::CheckBatchRequest>();
    case Route::kReport:
      return std::make_unique<v1::ReportRequest>();
    case Route::kRetract:
      return std::make_unique<v1::RetractRequest>();
    case Route::kStatus:
      return nullptr;
  }
  return nullptr;
}

std::unique_ptr<google::protobuf::Message> NewResponse(Route route) {
  switch (route) {
    case Route::kCheck:
      return std::make_unique<v1::CheckResponse>();
    case Route::kCheckBatch:
      return std::make_unique<v1::CheckBatchResponse>();
    case Route::kReport:
      return std::make_unique<v1::ReportResponse>();
    case Route::kRetract:
      return std::make_unique<v1::RetractResponse>();
    case Route::kStatus:
      return std::make_unique<v1::StatusResponse>();
  }
  return nullptr;
}

}  // namespace

absl::Status ParseJsonBody(const std::string& body, google::protobuf::Message* request) {
  if (body.empty()) {
    return absl::InvalidArgumentError("body: empty; send the request as a JSON object");
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto st = google::protobuf::util::JsonStringToMessage(body, request, options);
  if (!st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("body: ", std::string(st.message())));
  }
  return absl::OkStatus();
}

std::string PrintJsonBody(const google::protobuf::Message& response) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string body;
  (void)google::protobuf::util::MessageToJsonString(response, &body, options);
  return body;
}

unsigned HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

struct HttpApi::Handler {
  HttpApiOptions options;
  const ApiGate& gate;
  Checkout& checkout;
  StatusFiller status;
  MetricsRegistry& metrics;
  std::shared_ptr<spdlog::logger> log;
  std::atomic<int> in_flight{0};  // connections suspended for a write

  MHD_Result Access(MHD_Connection* connection, const char* url, const char* method,
                    const char* upload_data, size_t* upload_data_size, void** req_cls);
  MHD_Result Begin(MHD_Connection* connection, const char* url, const char* method, void** req_cls);
  MHD_Result Dispatch(MHD_Connection* connection, Call& call);
  MHD_Result DispatchWrite(MHD_Connection* connection, Call& call, const std::string& client);
  // Send answers `st` (and `response` if OK) with the HTTP status of
  // st's code; with `allow`, 405 Method Not Allowed and that Allow header.
  MHD_Result Send(MHD_Connection* connection, const Call* call, const absl::Status& st,
                  const google::protobuf::Message* response, const char* allow = nullptr);
};

MHD_Result HttpApi::Handler::Send(MHD_Connection* connection, const Call* call,
                                  const absl::Status& st, const google::protobuf::Message* response,
                                  const char* allow) {
  std::string body = st.ok() && response != nullptr ? PrintJsonBody(*response) : ErrorBody(st);
  body.push_back('\n');
  MHD_Response* r =
      MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) {
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  if (st.code() == absl::StatusCode::kUnauthenticated) {
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
  }
  if (allow != nullptr) {
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
  }
  MHD_Result queued = MHD_queue_response(
      connection, allow != nullptr ? MHD_HTTP_METHOD_NOT_ALLOWED : HttpStatusOf(st.code()), r);
  MHD_destroy_response(r);
  if (call != nullptr && call->route != nullptr) {
    std::chrono::duration<double> took = SteadyClock::now() - call->started;
    metrics
        .GetHistogram(kRpcDuration, kRpcDurationHelp,
                      {{"listener", "http"},
                       {"method", call->route->path},
                       {"code", absl::StatusCodeToString(st.code())}})
        .Observe(took.count());
  }
  return queued;
}

// Begin sees a request's headers: it refuses what no body can fix (an
// unknown path, a wrong method or content type) and makes its Call.
MHD_Result HttpApi::Handler::Begin(MHD_Connection* connection, const char* url, const char* method,
                                   void** req_cls) {
  const RouteInfo* route = FindRoute(url);
  if (route == nullptr) {
    return Send(connection, nullptr,
                absl::NotFoundError(absl::StrCat(
                    "no endpoint ", url,
                    ": the api has POST /v1/check, /v1/check-batch, /v1/report, /v1/retract "
                    "and GET /v1/status")),
                nullptr);
  }
  if (std::strcmp(method, route->method) != 0) {
    return Send(connection, nullptr,
                absl::UnimplementedError(
                    absl::StrCat(route->path, " takes ", route->method, ", not ", method)),
                nullptr, route->method);
  }
  if (std::optional<absl::string_view> type = Header(connection, "Content-Type");
      route->route != Route::kStatus && type && !IsJson(*type)) {
    return Send(connection, nullptr,
                absl::InvalidArgumentError("Content-Type: send application/json"), nullptr);
  }
  auto* call = new Call();
  call->route = route;
  *req_cls = call;
  return MHD_YES;
}

MHD_Result HttpApi::Handler::Access(MHD_Connection* connection, const char* url, const char* method,
                                    const char* upload_data, size_t* upload_data_size,
                                    void** req_cls) {
  if (*req_cls == nullptr) {
    return Begin(connection, url, method, req_cls);
  }
  Call& call = *static_cast<Call*>(*req_cls);
  if (*upload_data_size != 0) {
    if (call.body.size() + *upload_data_size > options.max_body_bytes) {
      call.too_large = true;
      call.body.clear();
    } else if (!call.too_large) {
      call.body.append(upload_data, *upload_data_size);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  {
    absl::MutexLock lock(&call.mu);
    if (call.ready) {  // resumed: a write finished
      return Send(connection, &call, call.outcome, call.response.get());
    }
  }
  if (call.too_large) {
    return Send(
        connection, &call,
        absl::ResourceExhaustedError(absl::StrCat("body: more than ", options.max_body_bytes,
                                                  " bytes (limits.api_max_message_bytes)")),
        nullptr);
  }
  return Dispatch(connection, call);
}

MHD_Result HttpApi::Handler::Dispatch(MHD_Connection* connection, Call& call) {
  Route route = call.route->route;
  absl::StatusOr<std::string> client =
      gate.AuthenticateHttp(Header(connection, "Authorization"), ClientAddress(connection),
                            route == Route::kStatus ? ApiRole::kAdmin : ApiRole::kCheckout);
  if (!client.ok()) {
    return Send(connection, &call, client.status(), nullptr);
  }
  call.response = NewResponse(route);
  if (route == Route::kStatus) {
    absl::Status st = gate.Charge(*client, 1);
    if (st.ok()) {
      status(static_cast<v1::StatusResponse*>(call.response.get()));
    }
    return Send(connection, &call, st, call.response.get());
  }
  call.request = NewRequest(route);
  if (absl::Status st = ParseJsonBody(call.body, call.request.get()); !st.ok()) {
    return Send(connection, &call, st, nullptr);
  }
  if (route == Route::kCheck) {
    absl::Status st = checkout.Check(*client, static_cast<const v1::CheckRequest&>(*call.request),
                                     static_cast<v1::CheckResponse*>(call.response.get()));
    return Send(connection, &call, st, call.response.get());
  }
  if (route == Route::kCheckBatch) {
    absl::Status st =
        checkout.CheckBatch(*client, static_cast<const v1::CheckBatchRequest&>(*call.request),
                            static_cast<v1::CheckBatchResponse*>(call.response.get()));
    return Send(connection, &call, st, call.response.get());
  }
  return DispatchWrite(connection, call, *client);
}

// DispatchWrite hands a report or retraction to the writer and suspends the
// connection until it is durable (or answers at once if it was refused).
MHD_Result HttpApi::Handler::DispatchWrite(MHD_Connection* connection, Call& call,
                                           const std::string& client) {
  // Runs on this thread if the write is refused, else on the writer's. A
  // suspended connection's Call stays alive until it is resumed, so resume
  // comes after the lock is released.
  auto done = [this, &call, connection](absl::Status st) {
    bool resume = false;
    {
      absl::MutexLock lock(&call.mu);
      call.outcome = std::move(st);
      call.ready = true;
      resume = call.suspended;
    }
    if (resume) {
      MHD_resume_connection(connection);
      in_flight.fetch_sub(1);
    }
  };
  if (call.route->route == Route::kReport) {
    checkout.Report(client, static_cast<const v1::ReportRequest&>(*call.request),
                    static_cast<v1::ReportResponse*>(call.response.get()), std::move(done));
  } else {
    checkout.Retract(client, static_cast<const v1::RetractRequest&>(*call.request),
                     static_cast<v1::RetractResponse*>(call.response.get()), std::move(done));
  }
  absl::MutexLock lock(&call.mu);
  if (call.ready) {
    return Send(connection, &call, call.outcome, call.response.get());
  }
  in_flight.fetch_add(1);
  call.suspended = true;
  MHD_suspend_connection(connection);
  return MHD_YES;
}

namespace {

MHD_Result AccessThunk(void* cls, MHD_Connection* connection, const char* url, const char* method,
                       const char* /*version*/, const char* upload_data, size_t* upload_data_size,
                       void** req_cls) {
  return static_cast<HttpApi::Handler*>(cls)->Access(connection, url, method, upload_data,
                                                     upload_data_size, req_cls);
}

void CompletedThunk(void* /*cls*/, MHD_Connection* /*connection*/, void** req_cls,
                    MHD_RequestTerminationCode /*code*/) {
  delete static_cast<Call*>(*req_cls);
  *req_cls = nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpApi>> HttpApi::Start(const ListenAddress& address,
                                                        HttpApiOptions options, const ApiGate& gate,
                                                        Checkout& checkout, StatusFiller status,
                                                        MetricsRegistry& metrics,
                                                        std::shared_ptr<spdlog::logger> log) {
  if (address.is_unix) {
    return absl::InvalidArgumentError("--http-listen: takes HOST:PORT, not a unix socket");
  }
  absl::StatusOr<UniqueFd> socket = ListenOn(address, "--http-listen");
  if (!socket.ok()) {
    return socket.status();
  }
  std::unique_ptr<HttpApi> s(new HttpApi());
  s->handler_.reset(new Handler{options, gate, checkout, std::move(status), metrics, log});
  s->port_ = BoundPort(socket->get());
  int fd = socket->Release();  // libmicrohttpd closes it when stopped
  const bool tls = !options.tls_cert_pem.empty();
  std::vector<MHD_OptionItem> items = {
      {MHD_OPTION_LISTEN_SOCKET, fd, nullptr},
      {MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(std::max(1u, options.threads)), nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(options.max_connections), nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<intptr_t>(options.max_per_host), nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(options.idle_timeout_s), nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 << 10, nullptr},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&CompletedThunk), nullptr},
  };
  if (tls) {
    items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, s->handler_->options.tls_cert_pem.data()});
    items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, s->handler_->options.tls_key_pem.data()});
  }
  items.push_back({MHD_OPTION_END, 0, nullptr});
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                   (tls ? MHD_USE_TLS : 0);
  s->daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &AccessThunk, s->handler_.get(),
                                MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
  if (s->daemon_ == nullptr) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "--http-listen: cannot serve on ", address.GrpcUri(),
        tls ? " (libmicrohttpd would not start: is --api-tls-cert/--api-tls-key a valid PEM "
              "certificate and key?)"
            : " (libmicrohttpd would not start)"));
  }
  return s;
}

HttpApi::~HttpApi() { Stop(); }

void HttpApi::Stop() {
  if (daemon_ == nullptr) {
    return;
  }
  // Reports in flight finish (the writer answers each) before the daemon,
  // and the connections they hold, go away.
  MHD_socket listen = MHD_quiesce_daemon(daemon_);
  for (int waited_ms = 0; handler_->in_flight.load() > 0; waited_ms += 5) {
    if (waited_ms == 30'000) {
      handler_->log->error("http api: {} reports still not answered by the writer after 30 s",
                           handler_->in_flight.load());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  MHD_stop_daemon(daemon_);
  if (listen != MHD_INVALID_SOCKET) {
    ::close(listen);
  }
  daemon_ = nullptr;
}

}  // namespace authnet
