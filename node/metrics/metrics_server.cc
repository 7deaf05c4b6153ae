#include "node/metrics/metrics_server.h"

#include <microhttpd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "node/core/listen_socket.h"

namespace authnet {

struct MetricsServer::Handler {
  const MetricsRegistry& metrics;
  std::function<bool()> healthy;
};

namespace {

MHD_Result Send(MHD_Connection* connection, unsigned status, const std::string& body,
                const char* content_type) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) {
    return MHD_NO;
  }
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

// Access answers one request; libmicrohttpd calls it on its event-loop
// thread once the request's headers are in (these requests have no body).
MHD_Result Access(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char* /*version*/, const char* /*upload_data*/, size_t* upload_data_size,
                  void** /*req_cls*/) {
  const auto& handler = *static_cast<const MetricsServer::Handler*>(cls);
  if (*upload_data_size != 0) {
    *upload_data_size = 0;  // a body we ignore
    return MHD_YES;
  }
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    return Send(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", "text/plain");
  }
  if (std::strcmp(url, "/metrics") == 0) {
    return Send(connection, MHD_HTTP_OK, handler.metrics.Render(),
                "text/plain; version=0.0.4; charset=utf-8");
  }
  if (std::strcmp(url, "/healthz") == 0) {
    bool ok = handler.healthy();
    return Send(connection, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                ok ? "SERVING\n" : "NOT_SERVING\n", "text/plain");
  }
  return Send(connection, MHD_HTTP_NOT_FOUND, "not found: try /metrics or /healthz\n",
              "text/plain");
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const ListenAddress& address,
                                                                    const MetricsRegistry& metrics,
                                                                    std::function<bool()> healthy,
                                                                    MetricsServerLimits limits) {
  absl::StatusOr<UniqueFd> socket = ListenOn(address, "--metrics-listen");
  if (!socket.ok()) {
    return socket.status();
  }
  std::unique_ptr<MetricsServer> s(new MetricsServer());
  s->handler_.reset(new Handler{metrics, std::move(healthy)});
  s->port_ = BoundPort(socket->get());
  int fd = socket->Release();  // libmicrohttpd closes it when stopped
  s->daemon_ = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, nullptr, nullptr,
      reinterpret_cast<MHD_AccessHandlerCallback>(&Access), s->handler_.get(),
      MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, limits.max_connections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits.max_per_host, MHD_OPTION_CONNECTION_TIMEOUT,
      limits.idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(32 << 10),
      MHD_OPTION_END);
  if (s->daemon_ == nullptr) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat("--metrics-listen: cannot serve on ",
                                                      address.GrpcUri(),
                                                      " (libmicrohttpd would not start)"));
  }
  return s;
}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::Stop() {
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
}

}  // namespace authnet
