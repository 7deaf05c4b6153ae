#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "node/metrics/metrics_registry.h"

namespace httplib {
class Server;
}

namespace authnet {

// MetricsServer serves a node's metrics over plain HTTP (cpp-httplib):
//   GET /metrics  the registry, Prometheus text format 0.0.4
//   GET /healthz  200 "SERVING" or 503 "NOT_SERVING", as `healthy` says
// Everything else is 404. It exposes counts and member ids, never an
// identifier, digest or key. Thread-safe; Stop (or the destructor) ends it.
class MetricsServer {
 public:
  // Start listens on `host`:`port` (port 0 picks one) on a thread of its
  // own. `metrics` must outlive the server; `healthy` is called per probe.
  // FAILED_PRECONDITION if the address cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& host, int port, const MetricsRegistry& metrics,
      std::function<bool()> healthy);
  ~MetricsServer();

  int port() const { return port_; }
  void Stop();

 private:
  MetricsServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace authnet
