#include "node/daemon/node_options.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "node/bundle/secure_file.h"
#include "node/core/listen_address.h"
#include "node/store/log_store.h"

namespace authnet {
namespace {

// ValidateApiListeners checks the api listeners (gRPC, HTTP) and their TLS
// files: required when either listens off loopback or --api-require-tls
// asks for TLS on loopback, refused otherwise.
absl::Status ValidateApiListeners(const NodeOptions& options) {
  absl::StatusOr<ListenAddress> api = ParseListenAddress("--api-listen", options.api_listen);
  if (!api.ok()) {
    return api.status();
  }
  if (options.api_require_tls && api->is_unix) {
    return absl::InvalidArgumentError(
        "--api-require-tls: --api-listen is a unix socket, which serves without TLS (its file "
        "permissions are the control); give a TCP address such as 127.0.0.1:PORT");
  }
  if (!options.http_listen.empty()) {
    absl::StatusOr<ListenAddress> http = ParseListenAddress("--http-listen", options.http_listen);
    if (!http.ok()) {
      return http.status();
    }
    if (http->is_unix) {
      return absl::InvalidArgumentError("--http-listen: must be HOST:PORT");
    }
  }
  bool tls_files = !options.api_tls_cert.empty() || !options.api_tls_key.empty();
  if (!ApiServesTls(options) && !HttpServesTls(options)) {
    if (tls_files) {
      return absl::InvalidArgumentError(
          "--api-tls-cert: the api listeners are local (unix socket or loopback), which serve "
          "without TLS or tokens; drop the TLS files, listen on a non-loopback address, or give "
          "--api-require-tls to require TLS and tokens on loopback too");
    }
    return absl::OkStatus();
  }
  if (options.api_tls_cert.empty() || options.api_tls_key.empty()) {
    if (options.api_require_tls) {
      return absl::InvalidArgumentError(
          "--api-require-tls: the api listeners need a certificate: give --api-tls-cert and "
          "--api-tls-key (or [api] tls_cert and tls_key)");
    }
    const bool api_remote = ApiServesTls(options);
    const std::string& address = api_remote ? options.api_listen : options.http_listen;
    return absl::InvalidArgumentError(absl::StrCat(
        api_remote ? "--api-listen" : "--http-listen", ": '", address,
        "' is not a loopback address, so the listener needs TLS and bearer tokens: give "
        "--api-tls-cert and --api-tls-key (or [api] tls_cert and tls_key), or listen on "
        "127.0.0.1:PORT",
        api_remote ? " or unix:PATH" : ""));
  }
  for (const auto& [flag, file] : {std::pair{"--api-tls-cert", &options.api_tls_cert},
                                   std::pair{"--api-tls-key", &options.api_tls_key}}) {
    absl::StatusOr<std::string> pem = ReadFile(*file);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": cannot read ", file->string(), ": ", pem.status().message()));
    }
  }
  return absl::OkStatus();
}

// ValidateListeners checks the addresses and the api listener's TLS files.
absl::Status ValidateListeners(const NodeOptions& options) {
  for (const auto& [flag, empty] : {std::pair{"bundle", options.bundle_dir.empty()},
                                    std::pair{"data", options.data_dir.empty()},
                                    std::pair{"peer-listen", options.peer_listen.empty()},
                                    std::pair{"api-listen", options.api_listen.empty()}}) {
    if (empty) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": is required (a flag, or its key in --config)"));
    }
  }
  if (absl::Status st = ValidateApiListeners(options); !st.ok()) {
    return st;
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
  return absl::OkStatus();
}

// ValidateLimits checks [limits] and [sync] as a whole.
absl::Status ValidateLimits(const NodeOptions& options) {
  if (options.limits.peer.max_message_bytes < (8 << 20)) {
    return absl::InvalidArgumentError(
        "limits.peer_max_message_bytes: must be at least 8388608 (8 MiB): a peer's largest "
        "batch must fit in one message");
  }
  if (options.limits.api.max_message_bytes < 1024) {
    return absl::InvalidArgumentError("limits.api_max_message_bytes: must be at least 1024");
  }
  // A call is charged its checks or records: the largest allowed must fit
  // in one burst, or it could never be admitted.
  const RateLimiter::Options& api_rate = options.limits.api.rate;
  double api_burst = api_rate.burst >= 1 ? api_rate.burst : api_rate.per_second;
  for (auto [key, most] : {std::pair{"limits.max_batch_checks",
                                     static_cast<double>(options.checkout.max_batch_checks)},
                           std::pair{"limits.max_retract_count",
                                     static_cast<double>(options.checkout.max_retract_count)}}) {
    if (api_rate.per_second > 0 && most > api_burst) {
      return absl::InvalidArgumentError(absl::StrCat(
          "limits.api_burst: ", api_burst, " is below ", key, " (", most,
          "): a call is charged one unit per check or record, so the largest one allowed must "
          "fit in a burst; raise api_burst or lower ",
          key));
    }
  }
  if (options.peer_links.min_backoff > options.peer_links.max_backoff) {
    return absl::InvalidArgumentError("sync.min_backoff_ms: must not be above sync.max_backoff_ms");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateNodeOptions(const NodeOptions& options) {
  if (absl::Status st = ValidateListeners(options); !st.ok()) {
    return st;
  }
  if (absl::Status st = CheckStoreUrl(options.store_url); !st.ok()) {
    return st;
  }
  if (absl::Status st = options.model.Validate(); !st.ok()) {
    return st;
  }
  return ValidateLimits(options);
}

bool ApiServesTls(const NodeOptions& options) {
  absl::StatusOr<ListenAddress> api = ParseListenAddress("--api-listen", options.api_listen);
  return options.api_require_tls || (api.ok() && !api->IsLoopback());
}

bool HttpServesTls(const NodeOptions& options) {
  if (options.http_listen.empty()) {
    return false;
  }
  absl::StatusOr<ListenAddress> http = ParseListenAddress("--http-listen", options.http_listen);
  return options.api_require_tls || (http.ok() && !http->IsLoopback());
}

}  // namespace authnet
