#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "node/core/listen_address.h"
#include "node/metrics/metrics_registry.h"

struct MHD_Daemon;

namespace authnet {

// MetricsServerLimits bound the clients of the metrics listener, so that
// slow or idle ones cannot starve a health probe.
struct MetricsServerLimits {
  // Connections at once, in all and from one client address.
  unsigned max_connections = 512;
  unsigned max_per_host = 64;
  // A connection idle this long (a request sent slowly, a keep-alive left
  // open) is closed.
  unsigned idle_timeout_s = 2;
};

// MetricsServer serves a node's metrics over plain HTTP:
//   GET /metrics  the registry, Prometheus text format 0.0.4
//   GET /healthz  200 "SERVING" or 503 "NOT_SERVING", as `healthy` says
// Anything else is 404 (405 for a method other than GET or HEAD). It exposes
// counts and member ids, never an identifier, digest or key.
// It runs libmicrohttpd on one event-loop thread (epoll), so a client that
// sends half a request holds no thread: 40 such clients leave /healthz
// answering at once; each is closed after `idle_timeout_s`, and the limits
// above bound how many there can be. Thread-safe; Stop (or the destructor)
// ends it.
class MetricsServer {
 public:
  // Start listens on `address` (HOST:PORT, port 0 picks one) and serves.
  // `metrics` must outlive the server; `healthy` is called per probe, on
  // the server's thread. FAILED_PRECONDITION naming --metrics-listen if the
  // address cannot be bound (a port in use is refused, not shared).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const ListenAddress& address, const MetricsRegistry& metrics, std::function<bool()> healthy,
      MetricsServerLimits limits = {});
  ~MetricsServer();

  int port() const { return port_; }
  void Stop();

  struct Handler;  // what libmicrohttpd's request callback needs

 private:
  MetricsServer() = default;

  std::unique_ptr<Handler> handler_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace authnet
