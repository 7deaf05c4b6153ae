#include "node/daemon/node.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/api/peer_authorizer.h"
#include "node/bundle/file_names.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "node/core/build_info.h"
#include "node/core/listen_address.h"
#include "node/core/log_text.h"
#include "node/daemon/log_setup.h"
#include "node/metrics/known_series.h"
#include "node/metrics/metric_names.h"
#include "node/store/backup_file.h"
#include "node/store/pg_tokens.h"

namespace authnet {

absl::Status Node::CheckOptions(const NodeOptions& options) {
  absl::StatusOr<MemberBundle> bundle = LoadChecked(options);
  if (!bundle.ok()) {
    return bundle.status();
  }
  if (std::filesystem::exists(options.data_dir)) {
    // What OpenDataDir refuses at start (its lock aside: the node may run).
    if (absl::Status st = CheckPrivateDirectory(options.data_dir); !st.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("--data: data dir ", st.message()));
    }
  }
  if (!options.store_url.empty() || !std::filesystem::exists(options.data_dir / "authnet.db")) {
    return absl::OkStatus();  // a new data dir, or a PostgreSQL store checked at start
  }
  // What start-up would refuse: another member's data (read only: a check
  // changes nothing, and works while the node runs).
  absl::StatusOr<BackupSummary> held = ReadDataDir(options.data_dir);
  if (held.ok() && (held->member != bundle->member_id() || held->network != bundle->network())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data: ", options.data_dir.string(), " belongs to member '", held->member,
        "' of network '", held->network, "' but the bundle is for member '", bundle->member_id(),
        "' of network '", bundle->network(), "'; use that member's bundle or another --data"));
  }
  return absl::OkStatus();
}

absl::StatusOr<MemberBundle> Node::LoadChecked(const NodeOptions& options) {
  if (absl::Status st = ValidateNodeOptions(options); !st.ok()) {
    return st;
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
  node->metrics_ = std::make_unique<MetricsRegistry>();
  RegisterKnownSeries(*node->metrics_);
  for (auto [limiter, listener, rate, what] :
       {std::tuple{&node->api_limiter_, kApiListener, options.limits.api.rate, "api client"},
        std::tuple{&node->peer_limiter_, kPeerListener, options.limits.peer.rate, "peer"}}) {
    *limiter = std::make_unique<RateLimiter>(
        rate, what,
        &node->metrics_->GetCounter(kRateLimited, kRateLimitedHelp, {{"listener", listener}}),
        MakeLogger(listener, sink));
  }
  node->bundle_ = std::make_unique<MemberBundle>(*std::move(bundle));
  if (absl::Status st = node->OpenState(options, clock, sink); !st.ok()) {
    return st;
  }
  // One watcher of the bundle's CA, certificate and key for both the peer
  // listener and the peer links: a renewed certificate is used for new
  // connections within reload_interval; established ones carry on.
  auto peer_tls = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      (options.bundle_dir / kNodeKeyFile).string(), (options.bundle_dir / kNodeCertFile).string(),
      (options.bundle_dir / kCaCertFile).string(),
      static_cast<unsigned>(options.reload_interval.count()));
  node->listen_ = {options.peer_listen, options.api_listen, options.http_listen,
                   options.metrics_listen};
  node->WirePeers(options, sink, peer_tls);
  if (absl::Status st = node->StartPeer(options, sink, peer_tls); !st.ok()) {
    return st;
  }
  if (absl::Status st = node->StartApi(options, clock, sink); !st.ok()) {
    return st;
  }
  node->AddGauges(options);
  node->health_ = std::make_unique<HealthMonitor>(
      node->HealthProbes(clock), [n = node.get()](bool serving) { n->SetServing(serving); },
      MakeLogger("node", sink));
  node->SetServing(node->health_->serving());
  node->bundle_watcher_ = std::make_unique<BundleWatcher>(
      options.bundle_dir, *node->roster_, options.reload_interval, MakeLogger("roster", sink));
  if (absl::Status st = node->StartMetrics(options); !st.ok()) {
    return st;
  }
  node->peers_->Start();
  node->log_->info("dialing {}", options.peers.empty()
                                     ? std::string("the roster's member endpoints")
                                     : absl::StrCat("peers ", absl::StrJoin(options.peers, ",")));
  node->log_->info("authnetd ready: member {} of network {}, roster version {}, {}; version {}",
                   node->bundle_->member_id(), node->bundle_->network(),
                   node->roster_->Current()->version(), Counted(node->model_->Records(), "record"),
                   GetBuildInfo().Text());
  return node;
}

void Node::WirePeers(const NodeOptions& options, const std::shared_ptr<spdlog::sinks::sink>& sink,
                     std::shared_ptr<grpc::experimental::CertificateProviderInterface> tls) {
  PeerLinkOptions links = options.peer_links;
  links.metrics = metrics_.get();
  links.max_message_bytes = options.limits.peer.max_message_bytes;
  links.keys = keys_.get();
  links.gate = gate_.get();
  peers_ = std::make_unique<PeerManager>(options.peers, bundle_->member_id(),
                                         TlsIdentity{std::move(tls)}, *roster_, *model_, *writer_,
                                         links, MakeLogger("peer", sink));
  roster_->AddListener(
      [this, previous = roster_->Current()](const std::shared_ptr<const Roster>& r) mutable {
        NoteKeyChanges(*previous, *r);
        previous = r;
        UpdateNetworkKeys(*r);
        model_->SetRoster(*r);
        feed_->NotifyRoster(*r);
        peers_->OnRoster(*r);
      });
}

absl::Status Node::StartMetrics(const NodeOptions& options) {
  if (options.metrics_listen.empty()) {
    return absl::OkStatus();
  }
  absl::StatusOr<ListenAddress> m = ParseListenAddress("--metrics-listen", options.metrics_listen);
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start(*m, *metrics_, [this] { return serving(); });
  if (!server.ok()) {
    return server.status();
  }
  metrics_server_ = *std::move(server);
  log_->info("metrics listener on http://{}:{}/metrics (and /healthz)", m->host,
             metrics_server_->port());
  return absl::OkStatus();
}

namespace {

GrpcListenerOptions ListenerOptions(const NodeOptions& options, std::string name, std::string flag,
                                    const ListenAddress& address, const ListenerLimits& limits) {
  GrpcListenerOptions l;
  l.name = std::move(name);
  l.flag = std::move(flag);
  l.address = address;
  l.max_message_bytes = limits.max_message_bytes;
  l.max_concurrent_streams = options.limits.max_concurrent_streams;
  l.connections = limits.connections;
  l.connections.ban = options.limits.abuse_ban;
  l.abusive_calls = options.limits.abusive_calls;
  l.memory_quota_bytes = static_cast<size_t>(options.limits.memory_quota_mb) << 20;
  l.max_connection_age = options.limits.max_connection_age;
  return l;
}

}  // namespace

absl::Status Node::StartPeer(
    const NodeOptions& options, const std::shared_ptr<spdlog::sinks::sink>& sink,
    std::shared_ptr<grpc::experimental::CertificateProviderInterface> tls) {
  absl::StatusOr<ListenAddress> address = ParseListenAddress("--peer-listen", options.peer_listen);
  GrpcListenerOptions l =
      ListenerOptions(options, kPeerListener, "--peer-listen", *address, options.limits.peer);
  // Mutual TLS only: a client must present a certificate signed by the
  // network CA (PeerService then checks it is an active member's enrolled
  // one, and so does the health service).
  grpc::experimental::TlsServerCredentialsOptions creds(std::move(tls));
  creds.watch_root_certs();
  creds.watch_identity_key_cert_pairs();
  creds.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  l.credentials = grpc::experimental::TlsServerCredentials(creds);
  peer_ = std::make_unique<PeerService>(*roster_, *model_, *reader_, *feed_,
                                        MakeLogger("peer", sink), peer_limiter_.get());
  l.health_admit = [p = peer_.get()](grpc::CallbackServerContext* ctx) {
    return p->Authorize(ctx).status();
  };
  l.describe = [r = roster_.get()](const grpc::ServerContextBase& ctx) {
    absl::StatusOr<std::string> id = MemberOf(*ctx.auth_context(), *r->Current());
    return id.ok() ? *id : std::string();
  };
  absl::StatusOr<std::unique_ptr<GrpcListener>> listener =
      GrpcListener::Bind(std::move(l), *metrics_, MakeLogger("peer", sink));
  if (!listener.ok()) {
    return listener.status();
  }
  peer_listener_ = *std::move(listener);
  if (absl::Status st = peer_listener_->Serve({peer_.get()}); !st.ok()) {
    return st;
  }
  log_->info("peer listener on {} (mutual TLS)", peer_listener_->Describe());
  return absl::OkStatus();
}

absl::Status Node::StartApi(const NodeOptions& options, const Clock& clock,
                            const std::shared_ptr<spdlog::sinks::sink>& sink) {
  absl::StatusOr<ListenAddress> address = ParseListenAddress("--api-listen", options.api_listen);
  const bool remote = ApiServesTls(options);
  const bool http_remote = HttpServesTls(options);
  GrpcListenerOptions l =
      ListenerOptions(options, kApiListener, "--api-listen", *address, options.limits.api);
  l.credentials = grpc::InsecureServerCredentials();
  // Reflection on a local listener only: it needs no token there.
  l.reflection = !remote;
  if (remote) {
    // TLS with the operator's certificate (watched for renewal like the peer
    // one) and a bearer token on every call.
    auto api_tls = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        options.api_tls_key.string(), options.api_tls_cert.string(),
        static_cast<unsigned>(options.reload_interval.count()));
    grpc::experimental::TlsServerCredentialsOptions tls(api_tls);
    tls.watch_identity_key_cert_pairs();
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    l.credentials = grpc::experimental::TlsServerCredentials(tls);
  }
  if (remote || http_remote) {
    // Replicas on a shared store share its tokens; one node keeps them in
    // its data dir.
    tokens_ = store_->Shared()
                  ? std::make_unique<TokenAuthenticator>(
                        std::make_unique<PgTokenSource>(options.store_url, replica_ + "/tokens"),
                        MakeLogger("api", sink))
                  : std::make_unique<TokenAuthenticator>(options.data_dir, MakeLogger("api", sink));
  }
  absl::StatusOr<std::unique_ptr<GrpcListener>> listener =
      GrpcListener::Bind(std::move(l), *metrics_, MakeLogger("api", sink));
  if (!listener.ok()) {
    return listener.status();
  }
  api_listener_ = *std::move(listener);
  api_gate_ =
      std::make_unique<ApiGate>(remote ? tokens_.get() : nullptr, &api_listener_->connections(),
                                api_limiter_.get(), metrics_.get());
  checkout_core_ = std::make_unique<Checkout>(options.checkout, *api_gate_, *keys_, *model_,
                                              *writer_, clock, overrides_.get(), usage_.get());
  checkout_ = std::make_unique<CheckoutService>(*api_gate_, *checkout_core_);
  admin_ = std::make_unique<AdminService>(bundle_->member_id(), *api_gate_, *roster_, *model_,
                                          *peers_, *alerts_, clock, MakeLogger("api", sink));
  admin_->SetServingProbe([this]() -> std::optional<std::string> {
    if (serving()) {
      return std::nullopt;
    }
    return health_ ? health_->reason() : std::string("starting");
  });
  admin_->SetKeyRing(keys_.get());
  admin_->SetStoreStatus([this] { return StoreStatus(); });
  admin_->SetListeners([this] { return ListenersStatus(); });
  admin_->SetLocal(overrides_.get(), writer_.get(), usage_.get(), replica_);
  if (absl::Status st = api_listener_->Serve({checkout_.get(), admin_.get()}); !st.ok()) {
    return st;
  }
  log_->info("api listener on {}{}", api_listener_->Describe(),
             remote ? " (TLS, bearer tokens)" : "");
  return StartHttp(options, http_remote, sink);
}

absl::Status Node::StartHttp(const NodeOptions& options, bool remote,
                             const std::shared_ptr<spdlog::sinks::sink>& sink) {
  if (options.http_listen.empty()) {
    return absl::OkStatus();
  }
  absl::StatusOr<ListenAddress> address = ParseListenAddress("--http-listen", options.http_listen);
  HttpApiOptions http;
  http.max_body_bytes = static_cast<size_t>(options.limits.api.max_message_bytes);
  http.max_connections = static_cast<unsigned>(options.limits.api.connections.max_connections);
  http.max_per_host = static_cast<unsigned>(options.limits.api.connections.max_per_host);
  if (remote) {
    for (auto [file, pem] : {std::pair{&options.api_tls_cert, &http.tls_cert_pem},
                             std::pair{&options.api_tls_key, &http.tls_key_pem}}) {
      absl::StatusOr<std::string> read = ReadFile(*file);
      if (!read.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "--http-listen: cannot read ", file->string(), ": ", read.status().message()));
      }
      *pem = *std::move(read);
    }
  }
  http_gate_ = std::make_unique<ApiGate>(remote ? tokens_.get() : nullptr, nullptr,
                                         api_limiter_.get(), metrics_.get());
  absl::StatusOr<std::unique_ptr<HttpApi>> server = HttpApi::Start(
      *address, std::move(http), *http_gate_, *checkout_core_,
      [a = admin_.get()](v1::StatusResponse* resp) { a->FillStatus(resp); }, *metrics_,
      MakeLogger("api", sink));
  if (!server.ok()) {
    return server.status();
  }
  http_api_ = *std::move(server);
  log_->info("http api listener on {}://{}:{}{}", remote ? "https" : "http", address->host,
             http_api_->port(), remote ? " (bearer tokens)" : "");
  return absl::OkStatus();
}

v1::Listeners Node::ListenersStatus() const {
  v1::Listeners l;
  auto host_port = [](const std::string& flag, const std::string& configured, int port) {
    absl::StatusOr<ListenAddress> a = ParseListenAddress(flag, configured);
    if (!a.ok() || a->is_unix) {
      return configured;
    }
    return a->host.find(':') != std::string::npos ? absl::StrCat("[", a->host, "]:", port)
                                                  : absl::StrCat(a->host, ":", port);
  };
  l.set_peer(host_port("--peer-listen", listen_.peer, peer_listener_->port()));
  l.set_api(host_port("--api-listen", listen_.api, api_listener_->port()));
  if (http_api_) {
    l.set_http(host_port("--http-listen", listen_.http, http_api_->port()));
  }
  if (metrics_server_) {
    l.set_metrics(host_port("--metrics-listen", listen_.metrics, metrics_server_->port()));
  }
  return l;
}

void Node::UpdateNetworkKeys(const Roster& roster) {
  absl::StatusOr<NetworkKeys> opened =
      OpenNetworkKeys(roster, bundle_->member_id(), bundle_->sealing_key());
  if (!opened.ok()) {
    return;  // revoked or suspended: keep the keys held (CheckOwnKeys vetted the rest)
  }
  std::shared_ptr<const Digester> held = keys_->Current();
  std::map<uint32_t, NetworkKey> merged = held->keys().map();
  for (const auto& [epoch, key] : opened->map()) {
    auto [at, added] = merged.emplace(epoch, key);
    if (!added && at->second != key) {
      // Keys never change under an epoch; keep what reports were made with.
      log_->error(
          "roster version {} seals another key for network key epoch {} than this node holds; "
          "keeping the held one (ask the network admins: network.keys was replaced?)",
          roster.version(), epoch);
    }
  }
  if (merged.size() == held->keys().map().size()) {
    return;
  }
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::FromMap(std::move(merged));
  if (!keys.ok()) {
    return;
  }
  uint32_t before = held->CurrentEpoch();
  keys_->Set(std::make_shared<const Digester>(*std::move(keys), mac_key_));
  if (keys_->Current()->CurrentEpoch() != before) {
    log_->info(
        "network key epoch {} (roster version {}): new reports are digested under it; "
        "checks also look under the older epochs while evidence under them counts",
        keys_->Current()->CurrentEpoch(), roster.version());
  }
}

void Node::NoteKeyChanges(const Roster& before, const Roster& after) {
  struct KeyOf {
    const char* words;  // in the log line
    const char* label;  // the metric's key label
    bool changed;
  };
  for (const v1::RosterMember& m : after.body().members()) {
    const v1::RosterMember* old = before.Find(m.id());
    if (old == nullptr) {
      continue;
    }
    for (const KeyOf& k :
         {KeyOf{"certificate", "certificate", old->cert_sha256() != m.cert_sha256()},
          KeyOf{"signing key", "signing_key", old->signing_public_key() != m.signing_public_key()},
          KeyOf{"sealing key", "sealing_key",
                !old->sealing_public_key().empty() &&
                    old->sealing_public_key() != m.sealing_public_key()}}) {
      if (!k.changed) {
        continue;
      }
      log_->warn(
          "roster version {} replaces the {} of member {}{}: if {} did not ask for it, its "
          "identity was swapped (ask the network admins)",
          after.version(), k.words, m.id(), m.id() == bundle_->member_id() ? " (this node)" : "",
          m.id());
      metrics_
          ->GetCounter(kRosterKeyChanges, kRosterKeyChangesHelp,
                       {{"member", m.id()}, {"key", k.label}})
          .Increment();
    }
  }
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
         if (store_->Shared()) {
           return absl::UnavailableError(absl::StrCat(
               "the last commit to ", store_->Describe(),
               " failed (database unreachable, or no primary?); reports are refused UNAVAILABLE "
               "until a write succeeds"));
         }
         return absl::UnavailableError(
             "the last commit to the data dir failed (disk full or not writable?); reports are "
             "refused UNAVAILABLE until a write succeeds");
       }},
      {"signing",
       [this] {
         std::optional<std::string> closed = gate_->Closed();
         return closed ? absl::UnavailableError(*closed) : absl::OkStatus();
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

Node::~Node() { Shutdown(std::chrono::system_clock::now()); }

void Node::SetServing(bool serving) {
  serving_.store(serving);
  api_listener_->health().SetServing(serving);
  peer_listener_->health().SetServing(serving);
}

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
  if (roster_) {
    roster_->Stop();  // its listeners reach the model, the feed and the peers
  }
  if (feed_) {
    feed_->CloseAll();
  }
  if (alerts_) {
    alerts_->watchers().CloseAll();
  }
  if (http_api_) {
    http_api_->Stop();  // waits for its reports, which the writer still answers
  }
  if (api_listener_) {
    api_listener_->Shutdown(deadline);
  }
  if (peer_listener_) {
    peer_listener_->Shutdown(deadline);
  }
  if (follower_) {
    follower_->Stop();
  }
  usage_flusher_.reset();
  FlushUsage();  // what the last interval counted
  if (writer_) {
    writer_->Stop();
  }
  reader_.reset();
}

}  // namespace authnet
