#include "node/daemon/grpc_listener.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/server_posix.h>

#include "absl/strings/str_cat.h"
#include "node/metrics/rpc_metrics.h"

namespace authnet {
namespace {

// NoBuilderPlugins drops the server builder plugins registered process-wide
// (reflection): a listener without reflection serves only its services.
class NoBuilderPlugins final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

}  // namespace

GrpcListener::GrpcListener(GrpcListenerOptions options, MetricsRegistry& metrics,
                           std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)),
      metrics_(metrics),
      log_(std::move(log)),
      health_(options_.health_admit) {}

absl::StatusOr<std::unique_ptr<GrpcListener>> GrpcListener::Bind(
    GrpcListenerOptions options, MetricsRegistry& metrics, std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<GrpcListener> l(new GrpcListener(std::move(options), metrics, std::move(log)));
  absl::StatusOr<std::unique_ptr<ConnectionGate>> gate =
      ConnectionGate::Listen(l->options_.address, l->options_.flag, l->options_.name,
                             l->options_.connections, &metrics, l->log_);
  if (!gate.ok()) {
    return gate.status();
  }
  l->gate_ = *std::move(gate);
  l->guard_ = std::make_unique<CallGuard>(l->options_.abusive_calls, l->options_.name, *l->gate_,
                                          &metrics, l->options_.describe, l->log_);
  return l;
}

GrpcListener::~GrpcListener() { Shutdown(std::chrono::system_clock::now()); }

// ApplyLimits bounds what one connection may send and keeps clients'
// keepalive pings honest (more often than every 10 s without data is a
// strike; two strikes close the connection with GOAWAY). The server pings
// connections with calls in flight every minute and drops those that do not
// answer; a connection without calls for 10 minutes is closed, and any
// connection past max_connection_age is asked to reconnect.
void GrpcListener::ApplyLimits(grpc::ServerBuilder& builder) const {
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options_.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 600'000);
  // A TLS handshake must finish within 10 s (gRPC's default is 120 s), so a
  // socket that never completes one does not hold a connection slot long.
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             static_cast<int>(options_.max_connection_age.count()));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             static_cast<int>(options_.max_connection_age_grace.count()));
  grpc::ResourceQuota quota(absl::StrCat("authnet-", options_.name));
  quota.Resize(options_.memory_quota_bytes);
  builder.SetResourceQuota(quota);
}

absl::Status GrpcListener::Serve(const std::vector<grpc::Service*>& services) {
  grpc::ServerBuilder builder;
  if (options_.reflection) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  } else {
    builder.SetOption(std::make_unique<NoBuilderPlugins>());
  }
  // The node's own health service, not gRPC's default (which answers anyone).
  builder.SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  builder.RegisterService(&health_);
  for (grpc::Service* s : services) {
    builder.RegisterService(s);
  }
  ApplyLimits(builder);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  // The guard first: the metrics interceptor then sees the status it sets.
  interceptors.push_back(guard_->NewInterceptorFactory());
  interceptors.push_back(std::make_unique<RpcMetricsFactory>(metrics_, options_.name));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  if (!gate_->is_unix()) {
    acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
        grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
        options_.credentials);
  }
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    return absl::InternalError(
        absl::StrCat(options_.flag, ": gRPC would not start the ", options_.name, " listener"));
  }
  if (gate_->is_unix()) {
    // Handed over as "fd:N" connections, which ConnectionGate::ClientOf
    // traces to the caller's uid.
    gate_->Start([server = server_.get()](int fd) { grpc::AddInsecureChannelFromFd(server, fd); });
  } else {
    gate_->Start([acceptor = acceptor_.get()](int fd) {
      grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
      p.listener_fd = -1;
      p.fd = fd;
      acceptor->HandleNewConnection(&p);
    });
  }
  return absl::OkStatus();
}

void GrpcListener::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (shut_down_) {
    return;
  }
  shut_down_ = true;
  if (gate_ == nullptr) {
    return;  // never bound
  }
  gate_->Stop();
  health_.SetServing(false);
  health_.CloseWatches();
  if (server_ != nullptr) {
    server_->Shutdown(deadline);
  }
}

std::string GrpcListener::Describe() const {
  if (options_.address.is_unix) {
    return options_.address.GrpcUri();
  }
  ListenAddress bound = options_.address;
  bound.port = gate_->port();
  return bound.GrpcUri();
}

}  // namespace authnet
