// The gauges a scrape reads from the node's parts (Node::AddGauges).
#include <memory>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "node/bundle/file_names.h"
#include "node/bundle/secure_file.h"
#include "node/core/file_stamp.h"
#include "node/crypto/certificate_authority.h"
#include "node/daemon/node.h"
#include "node/metrics/metric_names.h"

namespace authnet {
namespace {

// CertificateExpiry reads a certificate file's notAfter, again only when the
// file changed (a renewal replaces it). Thread-safe.
class CertificateExpiry {
 public:
  explicit CertificateExpiry(std::filesystem::path path) : path_(std::move(path)) {}

  // Get: the notAfter in unix seconds; nullopt while the file is missing or
  // does not parse.
  std::optional<int64_t> Get() {
    absl::MutexLock lock(&mu_);
    const FileStamp stamp = FileStamp::Of(path_);
    if (!(stamp == seen_)) {
      seen_ = stamp;
      absl::StatusOr<std::string> pem = ReadFile(path_);
      absl::StatusOr<int64_t> at =
          pem.ok() ? crypto::CertificateNotAfterUnix(*pem) : absl::StatusOr<int64_t>(pem.status());
      expires_ = at.ok() ? std::optional<int64_t>(*at) : std::nullopt;
    }
    return expires_;
  }

 private:
  const std::filesystem::path path_;
  absl::Mutex mu_;
  FileStamp seen_ ABSL_GUARDED_BY(mu_);
  std::optional<int64_t> expires_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

void Node::AddGauges(const NodeOptions& options) {
  MetricsRegistry& m = *metrics_;
  m.AddGauge("authnet_model_records", "Records in the detection model, all origins.", [this] {
    return Series{{{}, static_cast<double>(model_->Records())}};
  });
  m.AddGauge("authnet_model_units", "Units brands commissioned that the model holds (8-byte keys).",
             [this] {
               return Series{{{}, static_cast<double>(model_->Units())}};
             });
  m.AddGauge("authnet_local_overrides", "Local overrides this node applies to its checks.", [this] {
    return Series{{{}, static_cast<double>(overrides_->List().size())}};
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
  m.AddGauge("authnet_connections", "Connections open now, by listener.", [this] {
    return Series{{{{"listener", kApiListener}},
                   static_cast<double>(api_listener_->connections().connections())},
                  {{{"listener", kPeerListener}},
                   static_cast<double>(peer_listener_->connections().connections())}};
  });
  m.AddGauge("authnet_signing_stopped",
             "1 for the reason this node signs no report now (its own log behind the network's "
             "or restored and unconfirmed, two histories, or its member revoked); 0 otherwise.",
             [this] {
               SigningGate::Hold hold = gate_->hold();
               Series out;
               for (auto [h, reason] : {std::pair{SigningGate::Hold::kRestored, "restored"},
                                        {SigningGate::Hold::kBehind, "behind"},
                                        {SigningGate::Hold::kConflict, "conflict"},
                                        {SigningGate::Hold::kRevoked, "revoked"}}) {
                 out.push_back({{{"reason", reason}}, hold == h ? 1.0 : 0.0});
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
  m.AddGauge("authnet_serving", "1 while the node is SERVING (as /healthz), 0 while NOT_SERVING.",
             [this] {
               return Series{{{}, serving_.load() ? 1.0 : 0.0}};
             });
  m.AddGauge("authnet_store_healthy",
             "0 while the last store commit failed (disk full, database unreachable); 1 otherwise.",
             [this] {
               return Series{{{}, writer_->Healthy() ? 1.0 : 0.0}};
             });
  m.AddGauge("authnet_member_certificate_expires_unix",
             "When this node's member TLS certificate (bundle node.crt) expires (unix seconds); "
             "re-read when the file changes.",
             [expiry = std::make_shared<CertificateExpiry>(options.bundle_dir / kNodeCertFile)] {
               std::optional<int64_t> at = expiry->Get();
               return at ? Series{{{}, static_cast<double>(*at)}} : Series{};
             });
}

}  // namespace authnet
