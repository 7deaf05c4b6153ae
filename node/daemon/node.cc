#include "node/daemon/node.h"

#include <google/protobuf/arena.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/server_builder.h>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/api/token_authenticator.h"
#include "node/bundle/file_names.h"
#include "node/bundle/secure_file.h"
#include "node/core/hex.h"
#include "node/core/listen_address.h"
#include "node/daemon/log_setup.h"
#include "node/metrics/metric_names.h"
#include "node/metrics/rpc_metrics.h"

namespace authnet {
namespace {

absl::Status RebuildModel(LogStore& store, Model& model, const std::string& network) {
  return store.ForEachBatch([&](const StoredBatch& stored) -> absl::Status {
    // An arena per batch: one allocation for its records instead of two each.
    google::protobuf::Arena arena;
    v1::BatchBody& body = *google::protobuf::Arena::CreateMessage<v1::BatchBody>(&arena);
    if (!body.ParseFromString(stored.batch.body()) || body.network() != network ||
        body.origin() != stored.origin || body.first_seq() != stored.first_seq) {
      return absl::DataLossError(absl::StrCat("stored batch ", stored.origin, " ", stored.first_seq,
                                              "..", stored.last_seq,
                                              " is damaged; restore the data dir from a backup"));
    }
    return model.ApplyBatch(body);
  });
}

// NoBuilderPlugins drops the server builder plugins registered process-wide
// (reflection, which the api listener offers): the peer listener serves
// PeerService and grpc.health.v1 only.
class NoBuilderPlugins final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

// ApplyLimits bounds what one connection may send a listener and keeps
// clients' keepalive pings honest (more often than every 10 s without data
// is a strike; two strikes close the connection with GOAWAY). The server
// pings connections with calls in flight every minute and drops those that
// do not answer; a connection without calls for 10 minutes is closed
// (clients reconnect on their next call; peer links always hold a stream).
void ApplyLimits(grpc::ServerBuilder& builder, int max_message_bytes, int max_streams) {
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  builder.SetMaxSendMessageSize(max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, max_streams);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 600'000);
}

// Room a Pull response keeps for everything but its batches.
constexpr size_t kPullSlackBytes = 64 << 10;

}  // namespace

absl::Status Node::CheckOptions(const NodeOptions& options) {
  return LoadChecked(options).status();
}

absl::StatusOr<MemberBundle> Node::LoadChecked(const NodeOptions& options) {
  for (const auto& [flag, empty] : {std::pair{"bundle", options.bundle_dir.empty()},
                                    std::pair{"data", options.data_dir.empty()},
                                    std::pair{"peer-listen", options.peer_listen.empty()},
                                    std::pair{"api-listen", options.api_listen.empty()}}) {
    if (empty) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": is required (a flag, or its key in --config)"));
    }
  }
  absl::StatusOr<ListenAddress> api = ParseListenAddress("--api-listen", options.api_listen);
  if (!api.ok()) {
    return api.status();
  }
  bool tls_files = !options.api_tls_cert.empty() || !options.api_tls_key.empty();
  if (!api->IsLoopback()) {
    if (options.api_tls_cert.empty() || options.api_tls_key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--api-listen: '", options.api_listen,
          "' is not a unix socket or loopback address, so the api listener needs TLS and bearer "
          "tokens: give --api-tls-cert and --api-tls-key (or [api] tls_cert and tls_key), or "
          "listen on unix:PATH or 127.0.0.1:PORT"));
    }
    for (const auto& [flag, file] : {std::pair{"--api-tls-cert", &options.api_tls_cert},
                                     std::pair{"--api-tls-key", &options.api_tls_key}}) {
      absl::StatusOr<std::string> pem = ReadFile(*file);
      if (!pem.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(flag, ": cannot read ", file->string(), ": ", pem.status().message()));
      }
    }
  } else if (tls_files) {
    return absl::InvalidArgumentError(
        "--api-tls-cert: the api listener is local (unix socket or loopback), which serves "
        "without TLS or tokens; drop the TLS files or listen on a non-loopback address");
  }
  absl::StatusOr<ListenAddress> peer = ParseListenAddress("--peer-listen", options.peer_listen);
  if (!peer.ok()) {
    return peer.status();
  }
  if (peer->is_unix) {
    return absl::InvalidArgumentError("--peer-listen: must be HOST:PORT, other members dial it");
  }
  for (const std::string& p : options.peers) {
    absl::StatusOr<ListenAddress> addr = ParseListenAddress("--peers", p);
    if (!addr.ok()) {
      return addr.status();
    }
    if (addr->is_unix || addr->port == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--peers: '", p, "' must be HOST:PORT"));
    }
  }
  if (absl::Status st = options.model.Validate(); !st.ok()) {
    return st;
  }

  if (!options.metrics_listen.empty()) {
    absl::StatusOr<ListenAddress> metrics =
        ParseListenAddress("--metrics-listen", options.metrics_listen);
    if (!metrics.ok()) {
      return metrics.status();
    }
    if (metrics->is_unix) {
      return absl::InvalidArgumentError(
          "--metrics-listen: must be HOST:PORT (Prometheus scrapes "
          "it over HTTP)");
    }
  }
  if (options.limits.peer.max_message_bytes < (8 << 20)) {
    return absl::InvalidArgumentError(
        "limits.peer_max_message_bytes: must be at least 8388608 (8 MiB): a peer's largest "
        "batch must fit in one message");
  }
  if (options.limits.api.max_message_bytes < 1024) {
    return absl::InvalidArgumentError("limits.api_max_message_bytes: must be at least 1024");
  }
  if (options.peer_links.min_backoff > options.peer_links.max_backoff) {
    return absl::InvalidArgumentError("sync.min_backoff_ms: must not be above sync.max_backoff_ms");
  }
  absl::StatusOr<MemberBundle> bundle = MemberBundle::Load(options.bundle_dir);
  if (!bundle.ok()) {
    return absl::Status(bundle.status().code(),
                        absl::StrCat("--bundle: ", bundle.status().message()));
  }
  return bundle;
}

absl::StatusOr<std::unique_ptr<Node>> Node::Create(const NodeOptions& options, const Clock& clock,
                                                   std::shared_ptr<spdlog::sinks::sink> sink) {
  std::unique_ptr<Node> node(new Node());
  node->log_ = MakeLogger("node", sink);

  absl::StatusOr<MemberBundle> bundle = LoadChecked(options);
  if (!bundle.ok()) {
    return bundle.status();
  }
  absl::StatusOr<ListenAddress> api = ParseListenAddress("--api-listen", options.api_listen);
  absl::StatusOr<ListenAddress> peer = ParseListenAddress("--peer-listen", options.peer_listen);
  node->metrics_ = std::make_unique<MetricsRegistry>();
  NodeOptions opts = options;
  opts.writer.metrics = node->metrics_.get();
  opts.peer_links.metrics = node->metrics_.get();
  opts.checkout.tokens_required = !api->IsLoopback();
  opts.peer_links.max_message_bytes = options.limits.peer.max_message_bytes;
  for (auto [limiter, listener, rate, what] :
       {std::tuple{&node->api_limiter_, "api", options.limits.api.rate, "api client"},
        std::tuple{&node->peer_limiter_, "peer", options.limits.peer.rate, "peer"}}) {
    *limiter = std::make_unique<RateLimiter>(
        rate, what,
        &node->metrics_->GetCounter(kRateLimited, kRateLimitedHelp, {{"listener", listener}}),
        MakeLogger(listener, sink));
  }
  opts.checkout.limiter = node->api_limiter_.get();

  node->bundle_ = std::make_unique<MemberBundle>(*std::move(bundle));
  const MemberBundle& b = *node->bundle_;
  node->digester_ = std::make_unique<Digester>(b.network_keys());

  absl::StatusOr<std::unique_ptr<LogStore>> store =
      LogStore::Open(options.data_dir, b.network(), b.member_id());
  if (!store.ok()) {
    return store.status();
  }
  node->store_ = *std::move(store);

  absl::StatusOr<std::unique_ptr<RosterKeeper>> roster = RosterKeeper::Create(
      b.roster(), b.admin_public_key(), options.data_dir, MakeLogger("roster", sink));
  if (!roster.ok()) {
    return roster.status();
  }
  node->roster_ = *std::move(roster);

  auto started = std::chrono::steady_clock::now();
  node->alerts_ = std::make_unique<AlertHub>();
  node->model_ = std::make_unique<Model>(opts.model, clock, b.member_id());
  node->model_->SetRoster(*node->roster_->Current());
  node->model_->SetAlertSink(
      [hub = node->alerts_.get(), log = MakeLogger("model", sink)](const v1::SupplierAlert& a) {
        log->warn(
            "ALERT supplier {}: adverse rate {:.3f} -> {:.3f} over the last {} days ({} records, "
            "{} members; {} records before)",
            HexEncode(a.supplier_digest()).substr(0, 16), a.rate_before(), a.rate_after(),
            a.window_days(), a.records_after(), a.members(), a.records_before());
        hub->Publish(a);
      });
  if (absl::Status st = RebuildModel(*node->store_, *node->model_, b.network()); !st.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("data dir ", options.data_dir.string(), ": ", st.message()));
  }
  node->log_->info("model rebuilt from {} records in {} ms", node->model_->Records(),
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count());

  absl::StatusOr<std::unique_ptr<ReportWriter>> writer =
      ReportWriter::Create(opts.writer, *node->store_, *node->model_, b.signing_key(), b.network(),
                           b.member_id(), MakeLogger("store", sink));
  if (!writer.ok()) {
    return writer.status();
  }
  node->writer_ = *std::move(writer);
  absl::StatusOr<std::unique_ptr<LogReader>> reader =
      LogReader::Open(options.data_dir,
                      static_cast<size_t>(options.limits.peer.max_message_bytes) - kPullSlackBytes);
  if (!reader.ok()) {
    return reader.status();
  }
  node->reader_ = *std::move(reader);
  node->feed_ = std::make_unique<SyncFeed>();
  node->writer_->SetCommitListener([feed = node->feed_.get()] { feed->Notify(); });
  // One watcher of the bundle's CA, certificate and key for both the peer
  // listener and the peer links: a renewed certificate is used for new
  // connections within reload_interval; established ones carry on.
  auto peer_tls = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      (options.bundle_dir / kNodeKeyFile).string(), (options.bundle_dir / kNodeCertFile).string(),
      (options.bundle_dir / kCaCertFile).string(),
      static_cast<unsigned>(options.reload_interval.count()));
  node->peers_ = std::make_unique<PeerManager>(options.peers, b.member_id(), TlsIdentity{peer_tls},
                                               *node->roster_, *node->model_, *node->writer_,
                                               opts.peer_links, MakeLogger("peer", sink));
  node->roster_->AddListener([n = node.get()](const std::shared_ptr<const Roster>& r) {
    n->model_->SetRoster(*r);
    n->feed_->NotifyRoster(*r);
    n->peers_->OnRoster(*r);
  });

  node->checkout_ =
      std::make_unique<CheckoutService>(opts.checkout, *node->digester_, *node->model_,
                                        *node->writer_, clock, MakeLogger("api", sink));
  node->admin_ = std::make_unique<AdminService>(
      b.member_id(), *node->roster_, *node->model_, *node->peers_, *node->alerts_, clock,
      MakeLogger("api", sink), opts.checkout.tokens_required, node->api_limiter_.get());
  node->peer_ =
      std::make_unique<PeerService>(*node->roster_, *node->model_, *node->reader_, *node->feed_,
                                    MakeLogger("peer", sink), node->peer_limiter_.get());
  node->AddGauges();

  grpc::EnableDefaultHealthCheckService(true);
  {
    // Peer listener: mutual TLS only. A client must present a certificate
    // signed by the network CA (PeerService then checks it is an active
    // member's enrolled one). Built before reflection is enabled: the peer
    // listener offers no reflection.
    grpc::experimental::TlsServerCredentialsOptions tls(peer_tls);
    tls.watch_root_certs();
    tls.watch_identity_key_cert_pairs();
    tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    grpc::ServerBuilder builder;
    builder.AddListeningPort(peer->GrpcUri(), grpc::experimental::TlsServerCredentials(tls),
                             &node->peer_port_);
    builder.RegisterService(node->peer_.get());
    builder.SetOption(std::make_unique<NoBuilderPlugins>());
    ApplyLimits(builder, options.limits.peer.max_message_bytes,
                options.limits.max_concurrent_streams);
    builder.experimental().SetInterceptorCreators(node->Interceptors("peer"));
    node->peer_server_ = builder.BuildAndStart();
    if (node->peer_server_ == nullptr || node->peer_port_ == 0) {
      return absl::FailedPreconditionError(absl::StrCat("--peer-listen: cannot listen on ",
                                                        options.peer_listen, " (address in use?)"));
    }
  }
  {
    std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
    if (opts.checkout.tokens_required) {
      // A remote api listener: TLS with the operator's certificate (watched
      // for renewal like the peer one) and bearer tokens.
      auto api_tls = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          options.api_tls_key.string(), options.api_tls_cert.string(),
          static_cast<unsigned>(options.reload_interval.count()));
      grpc::experimental::TlsServerCredentialsOptions tls(api_tls);
      tls.watch_identity_key_cert_pairs();
      tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      creds = grpc::experimental::TlsServerCredentials(tls);
      creds->SetAuthMetadataProcessor(
          std::make_shared<TokenAuthenticator>(options.data_dir, MakeLogger("api", sink)));
    }
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(api->GrpcUri(), creds, &node->api_port_);
    builder.RegisterService(node->checkout_.get());
    builder.RegisterService(node->admin_.get());
    ApplyLimits(builder, options.limits.api.max_message_bytes,
                options.limits.max_concurrent_streams);
    builder.experimental().SetInterceptorCreators(node->Interceptors("api"));
    node->api_server_ = builder.BuildAndStart();
    if (node->api_server_ == nullptr || (!api->is_unix && node->api_port_ == 0)) {
      return absl::FailedPreconditionError(
          absl::StrCat("--api-listen: cannot listen on ", options.api_listen,
                       " (address in use, or the socket's directory is missing or not writable)"));
    }
    if (api->is_unix) {
      node->api_port_ = 0;
    }
  }
  node->health_ = std::make_unique<HealthMonitor>(
      node->HealthProbes(clock),
      [n = node.get()](bool serving) {
        n->api_server_->GetHealthCheckService()->SetServingStatus(serving);
        n->peer_server_->GetHealthCheckService()->SetServingStatus(serving);
      },
      MakeLogger("node", sink));
  node->api_server_->GetHealthCheckService()->SetServingStatus(node->health_->serving());
  node->peer_server_->GetHealthCheckService()->SetServingStatus(node->health_->serving());
  node->admin_->SetServingProbe([h = node->health_.get()] { return h->serving(); });
  node->bundle_watcher_ = std::make_unique<BundleWatcher>(
      options.bundle_dir, *node->roster_, options.reload_interval, MakeLogger("roster", sink));
  if (!options.metrics_listen.empty()) {
    absl::StatusOr<ListenAddress> m =
        ParseListenAddress("--metrics-listen", options.metrics_listen);
    absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(
        m->host, m->port, *node->metrics_, [h = node->health_.get()] { return h->serving(); });
    if (!server.ok()) {
      return server.status();
    }
    node->metrics_server_ = *std::move(server);
    node->log_->info("metrics listener on http://{}:{}/metrics (and /healthz)", m->host,
                     node->metrics_server_->port());
  }
  node->log_->info("api listener on {}{}",
                   api->is_unix ? api->GrpcUri() : absl::StrCat(api->host, ":", node->api_port_),
                   opts.checkout.tokens_required ? " (TLS, bearer tokens)" : "");
  node->log_->info("peer listener on {}:{} (mutual TLS)", peer->host, node->peer_port_);
  node->peers_->Start();
  node->log_->info("dialing {}", options.peers.empty()
                                     ? std::string("the roster's member endpoints")
                                     : absl::StrCat("peers ", absl::StrJoin(options.peers, ",")));
  node->log_->info("authnetd ready: member {} of network {}, roster version {}, {} records",
                   b.member_id(), b.network(), node->roster_->Current()->version(),
                   node->model_->Records());
  return node;
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
Node::Interceptors(const std::string& listener) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<RpcMetricsFactory>(*metrics_, listener));
  return out;
}

std::vector<HealthMonitor::Probe> Node::HealthProbes(const Clock& clock) {
  return {
      {"store",
       [this] {
         if (writer_->Healthy()) {
           return absl::OkStatus();
         }
         // Finds out by itself when space returns: a probe write, once a
         // check, until one succeeds.
         writer_->ProbeIfUnhealthy();
         return absl::UnavailableError(
             "the last commit to the data dir failed (disk full or not writable?); reports are "
             "refused UNAVAILABLE until a write succeeds");
       }},
      {"roster",
       [this, &clock] {
         std::shared_ptr<const Roster> r = roster_->Current();
         if (!r->Expired(clock.NowMicros() / 1'000'000)) {
           return absl::OkStatus();
         }
         return absl::FailedPreconditionError(absl::StrCat(
             "roster version ", r->version(), " expired at unix time ", r->body().expires_unix(),
             "; the network admin runs `authnetctl roster refresh` and `roster push`"));
       }},
  };
}

void Node::AddGauges() {
  MetricsRegistry& m = *metrics_;
  m.AddGauge("authnet_model_records", "Records in the detection model, all origins.", [this] {
    return Series{{{}, static_cast<double>(model_->Records())}};
  });
  m.AddGauge("authnet_origin_records", "Highest contiguous seq held per origin (member).", [this] {
    Series out;
    for (const auto& [origin, seq] : model_->VersionVector()) {
      out.push_back({{{"origin", origin}}, static_cast<double>(seq)});
    }
    return out;
  });
  m.AddGauge("authnet_peer_connected", "1 while the outgoing link to a peer is connected.", [this] {
    Series out;
    for (const PeerState& p : peers_->Peers()) {
      out.push_back({{{"peer", p.member}}, p.connected ? 1.0 : 0.0});
    }
    return out;
  });
  m.AddGauge("authnet_peer_lag_records",
             "Records a peer last reported holding that this node does not hold yet.", [this] {
               Series out;
               for (const PeerState& p : peers_->Peers()) {
                 out.push_back({{{"peer", p.member}}, static_cast<double>(p.lag_records)});
               }
               return out;
             });
  m.AddGauge("authnet_roster_version", "Version of the roster this node follows.", [this] {
    return Series{{{}, static_cast<double>(roster_->Current()->version())}};
  });
  m.AddGauge("authnet_roster_expires_unix", "When the roster expires (unix seconds; 0 never).",
             [this] {
               return Series{{{}, static_cast<double>(roster_->Current()->body().expires_unix())}};
             });
}

Node::~Node() { Shutdown(std::chrono::system_clock::now()); }

void Node::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (shut_down_) {
    return;
  }
  shut_down_ = true;
  bundle_watcher_.reset();
  health_.reset();
  if (metrics_server_) {
    metrics_server_->Stop();
  }
  if (peers_) {
    peers_->Stop();
  }
  if (feed_) {
    feed_->CloseAll();
  }
  if (alerts_) {
    alerts_->watchers().CloseAll();
  }
  if (api_server_) {
    api_server_->GetHealthCheckService()->SetServingStatus(false);
    api_server_->Shutdown(deadline);
  }
  if (peer_server_) {
    peer_server_->GetHealthCheckService()->SetServingStatus(false);
    peer_server_->Shutdown(deadline);
  }
  if (writer_) {
    writer_->Stop();
  }
  reader_.reset();
}

}  // namespace authnet
