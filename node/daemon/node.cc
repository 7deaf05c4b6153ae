#include "node/daemon/node.h"

#include <google/protobuf/arena.h>

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/core/hex.h"
#include "node/daemon/listen_address.h"
#include "node/daemon/log_setup.h"

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

}  // namespace

absl::StatusOr<std::unique_ptr<Node>> Node::Create(const NodeOptions& options, const Clock& clock,
                                                   std::shared_ptr<spdlog::sinks::sink> sink) {
  std::unique_ptr<Node> node(new Node());
  node->log_ = MakeLogger("node", sink);

  absl::StatusOr<ListenAddress> api = ParseListenAddress("--api-listen", options.api_listen);
  if (!api.ok()) {
    return api.status();
  }
  if (!api->IsLoopback()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--api-listen: '", options.api_listen,
        "' is not a unix socket or loopback address; the api listener has no TLS or tokens yet, "
        "so it only listens locally (use unix:PATH or 127.0.0.1:PORT)"));
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

  absl::StatusOr<MemberBundle> bundle = MemberBundle::Load(options.bundle_dir);
  if (!bundle.ok()) {
    return bundle.status();
  }
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
  node->model_ = std::make_unique<Model>(options.model, clock, b.member_id());
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
      ReportWriter::Create(options.writer, *node->store_, *node->model_, b.signing_key(),
                           b.network(), b.member_id(), MakeLogger("store", sink));
  if (!writer.ok()) {
    return writer.status();
  }
  node->writer_ = *std::move(writer);
  absl::StatusOr<std::unique_ptr<LogReader>> reader = LogReader::Open(options.data_dir);
  if (!reader.ok()) {
    return reader.status();
  }
  node->reader_ = *std::move(reader);
  node->feed_ = std::make_unique<SyncFeed>();
  node->writer_->SetCommitListener([feed = node->feed_.get()] { feed->Notify(); });
  node->peers_ = std::make_unique<PeerManager>(
      options.peers, b.member_id(), TlsIdentity{b.ca_pem(), b.cert_pem(), b.key_pem()},
      *node->roster_, *node->model_, *node->writer_, options.peer_links, MakeLogger("peer", sink));
  node->roster_->AddListener([n = node.get()](const std::shared_ptr<const Roster>& r) {
    n->model_->SetRoster(*r);
    n->feed_->NotifyRoster(*r);
    n->peers_->OnRoster(*r);
  });

  node->checkout_ =
      std::make_unique<CheckoutService>(options.checkout, *node->digester_, *node->model_,
                                        *node->writer_, clock, MakeLogger("api", sink));
  node->admin_ =
      std::make_unique<AdminService>(b.member_id(), *node->roster_, *node->model_, *node->peers_,
                                     *node->alerts_, clock, MakeLogger("api", sink));
  node->peer_ = std::make_unique<PeerService>(*node->roster_, *node->model_, *node->reader_,
                                              *node->feed_, MakeLogger("peer", sink));

  grpc::EnableDefaultHealthCheckService(true);
  {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(api->GrpcUri(), grpc::InsecureServerCredentials(), &node->api_port_);
    builder.RegisterService(node->checkout_.get());
    builder.RegisterService(node->admin_.get());
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
  {
    // Peer listener: mutual TLS only. A client must present a certificate
    // signed by the network CA.
    grpc::SslServerCredentialsOptions tls(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = b.ca_pem();
    tls.pem_key_cert_pairs.push_back({b.key_pem(), b.cert_pem()});
    grpc::ServerBuilder builder;
    builder.AddListeningPort(peer->GrpcUri(), grpc::SslServerCredentials(tls), &node->peer_port_);
    builder.RegisterService(node->peer_.get());
    node->peer_server_ = builder.BuildAndStart();
    if (node->peer_server_ == nullptr || node->peer_port_ == 0) {
      return absl::FailedPreconditionError(absl::StrCat("--peer-listen: cannot listen on ",
                                                        options.peer_listen, " (address in use?)"));
    }
  }
  node->api_server_->GetHealthCheckService()->SetServingStatus(true);
  node->peer_server_->GetHealthCheckService()->SetServingStatus(true);
  node->log_->info("api listener on {}",
                   api->is_unix ? api->GrpcUri() : absl::StrCat(api->host, ":", node->api_port_));
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

Node::~Node() { Shutdown(std::chrono::system_clock::now()); }

void Node::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (shut_down_) {
    return;
  }
  shut_down_ = true;
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
    peer_server_->Shutdown(deadline);
  }
  if (writer_) {
    writer_->Stop();
  }
  reader_.reset();
}

}  // namespace authnet
