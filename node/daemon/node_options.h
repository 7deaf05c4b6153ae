#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "node/admission/call_guard.h"
#include "node/admission/connection_gate.h"
#include "node/admission/rate_limiter.h"
#include "node/api/checkout.h"
#include "node/model/model_options.h"
#include "node/sync/peer_link.h"
#include "node/write/report_writer.h"

namespace authnet {

// ListenerLimits bound what one listener accepts.
struct ListenerLimits {
  // Largest request or response message, in bytes.
  int max_message_bytes;
  // Per client: an api token, uid or local address; a peer member.
  RateLimiter::Options rate;
  // Connections at once, in all and per client host.
  ConnectionLimits connections;
};

// NodeLimits are the [limits] of a node's listeners (the write queue's are
// ReportWriter::Options, CheckBatch's are Checkout::Options).
struct NodeLimits {
  ListenerLimits api{4 << 20, {50'000, 100'000, "checks and reported subjects"}, {1024, 64}};
  ListenerLimits peer{16 << 20, {1'000, 2'000, "calls"}, {256, 32}};
  // Concurrent calls on one connection.
  int max_concurrent_streams = 100;
  // Calls a connection may have reset before their request arrived, fail to
  // parse, or have refused for identity, a second after a burst; one more
  // closes it and refuses its host for abuse_ban (CallGuard).
  CallGuard::Options abusive_calls{20, 100};
  std::chrono::seconds abuse_ban{60};
  // gRPC memory quota of each listener (soft in gRPC 1.51).
  int memory_quota_mb = 256;
  // Connections older than this are asked to reconnect.
  std::chrono::seconds max_connection_age{3600};
};

// NodeOptions is everything authnetd is started with.
struct NodeOptions {
  std::filesystem::path bundle_dir;  // --bundle
  std::filesystem::path data_dir;    // --data
  // --store / [store] url: empty is SQLite under data_dir; a PostgreSQL
  // connection string is a store the member's replicas share.
  std::string store_url;
  // --replica / [store] replica: this process's name among the member's
  // replicas (status, PostgreSQL application_name); default the host name.
  std::string replica;
  std::string peer_listen;  // --peer-listen HOST:PORT (mutual TLS)
  std::string api_listen;   // --api-listen unix:PATH or loopback HOST:PORT
  // --http-listen HOST:PORT: the HTTP/JSON api beside gRPC (empty: none);
  // off loopback it needs the api TLS files and bearer tokens too.
  std::string http_listen;
  std::vector<std::string> peers;  // --peers HOST:PORT,... (empty: the roster's endpoints)
  // --metrics-listen HOST:PORT: Prometheus /metrics and /healthz over HTTP
  // (empty: no metrics listener).
  std::string metrics_listen;
  // --api-tls-cert, --api-tls-key: PEM files the api listeners serve TLS
  // with; required (with bearer tokens) when api_listen or http_listen is
  // not local.
  std::filesystem::path api_tls_cert;
  std::filesystem::path api_tls_key;
  // --api-require-tls / [api] require_tls: the api listeners serve TLS and
  // require bearer tokens on loopback too, as they always do off it (to try
  // the remote setup on one machine, or to keep local callers to tokens).
  // Needs the TLS files and a TCP --api-listen.
  bool api_require_tls = false;
  // How often the bundle's certificate, key and roster files are checked
  // for changes (certificate rotation without a restart).
  std::chrono::seconds reload_interval{5};
  ModelOptions model;
  NodeLimits limits;
  Checkout::Options checkout;
  ReportWriter::Options writer;
  PeerLinkOptions peer_links;
};

// ValidateNodeOptions checks `options` without touching anything but the
// api TLS files it reads: required options, listener addresses, model
// options, limits and sync timings. INVALID_ARGUMENT whose message starts
// with the flag or key at fault ("--api-listen: ...", "limits.api_burst:
// ..."). Thread-safe.
[[nodiscard]] absl::Status ValidateNodeOptions(const NodeOptions& options);

// ApiServesTls and HttpServesTls: whether the gRPC api listener, and the
// HTTP one if any, serve TLS and require bearer tokens (off loopback, or
// with api_require_tls). For options ValidateNodeOptions accepted.
[[nodiscard]] bool ApiServesTls(const NodeOptions& options);
[[nodiscard]] bool HttpServesTls(const NodeOptions& options);

}  // namespace authnet
