#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "node/core/listen_address.h"
#include "node/core/unique_fd.h"
#include "node/metrics/metrics_registry.h"
#include "spdlog/logger.h"

namespace authnet {

// ConnectionLimits bound the connections one listener holds.
struct ConnectionLimits {
  // Connections open at once on the listener; one more is closed on arrival.
  int max_connections = 1024;
  // Connections open at once from one client host (on a unix socket, one
  // uid); one more is closed on arrival.
  int max_per_host = 64;
  // How long a host is refused after a connection of its was closed for
  // abuse (CloseAndBan).
  std::chrono::seconds ban{60};
};

// ConnectionGate is a gRPC listener's front door. It owns the listening
// socket — a TCP port, bound without SO_REUSEPORT so a port another process
// holds is refused, or a unix socket, which it will not take from a process
// still listening on it — accepts connections on a thread of its own, closes
// at once those over the limits or from a banned host, and hands the rest to
// gRPC. It keeps a duplicate of each connection's descriptor, so that it can
// tell which client a call came from (ClientOf: the peer's uid on a unix
// socket, via SO_PEERCRED) and can cut off a connection gRPC is still serving
// (CloseAndBan). Nothing here reads or parses what a client sends. Thread-safe.
//
//   auto gate = ConnectionGate::Listen(address, "--api-listen", "api", {}, &metrics, log);
//   ... build the grpc::Server with (*gate)->... ...
//   (*gate)->Start([&](int fd) { grpc::AddInsecureChannelFromFd(server.get(), fd); });
class ConnectionGate {
 public:
  // Handoff gives an accepted connection to gRPC, which then owns `fd`.
  using Handoff = std::function<void(int fd)>;
  // NowMicros is a monotonic clock in microseconds (tests inject one).
  using NowMicros = std::function<int64_t()>;

  // Listen binds `address` (HOST:PORT, port 0 picks one, or unix:PATH) and
  // listens. `flag` names the option in errors ("--peer-listen"), `listener`
  // the listener in logs and metrics ("api", "peer"). FAILED_PRECONDITION
  // with one line ("--peer-listen: cannot listen on 127.0.0.1:7701: the
  // address is in use (another authnetd?)") if it cannot. `metrics` may be
  // null; it must outlive the gate.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ConnectionGate>> Listen(
      const ListenAddress& address, const std::string& flag, std::string listener,
      ConnectionLimits limits, MetricsRegistry* metrics, std::shared_ptr<spdlog::logger> log,
      NowMicros now = nullptr);
  ~ConnectionGate();

  // The TCP port bound (0 for a unix socket).
  int port() const { return port_; }
  bool is_unix() const { return !unix_path_.empty(); }

  // Start accepts connections on the gate's thread and hands each admitted
  // one to `handoff`. Call once.
  void Start(Handoff handoff) ABSL_LOCKS_EXCLUDED(mu_);
  // Stop stops accepting and removes the unix socket file. Connections
  // already handed over stay with gRPC (grpc::Server::Shutdown ends them).
  // Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // ClientOf names the client of the connection a call came on, from the
  // call's peer string (grpc::ServerContextBase::peer()): "uid:1000" on a
  // unix socket, the address without its port on TCP ("127.0.0.1", "::1").
  // Empty if the gate does not know the connection.
  std::string ClientOf(absl::string_view grpc_peer) const ABSL_LOCKS_EXCLUDED(mu_);

  // CloseAndBan shuts the connection `grpc_peer` down at once (gRPC sees it
  // end and cancels its calls) and refuses new connections from its host
  // for limits.ban. True if it did so; false if the gate holds no such open
  // connection (unknown, or already closed).
  bool CloseAndBan(absl::string_view grpc_peer) ABSL_LOCKS_EXCLUDED(mu_);

  // How long CloseAndBan refuses a host.
  std::chrono::seconds ban() const { return limits_.ban; }

  // NoteServed marks the connection `grpc_peer` as one that has been served
  // a call (CallGuard calls it for every call not refused for identity).
  // A connection never served is the first to go when the listener, or its
  // client's host, is full and a new one arrives.
  void NoteServed(absl::string_view grpc_peer) ABSL_LOCKS_EXCLUDED(mu_);

  // IdOf is a number naming the connection `grpc_peer` that no other
  // connection of this gate ever had (gRPC's "fd:N" names are reused), or 0
  // if the gate holds no such connection.
  uint64_t IdOf(absl::string_view grpc_peer) ABSL_LOCKS_EXCLUDED(mu_);

  // Connections handed to gRPC and not closed by the gate.
  size_t connections() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Connection {
    UniqueFd dup;      // our duplicate of the descriptor gRPC holds
    std::string key;   // as derived from gRPC's peer string
    std::string host;  // the client: an address, or uid:N
    uint64_t id = 0;   // unique for the gate's life
    int64_t opened = 0;
    bool served = false;  // a call on it was not refused for identity
    bool closed = false;  // aborted by the gate (no longer counted)
  };

  ConnectionGate(std::string listener, ConnectionLimits limits, MetricsRegistry* metrics,
                 std::shared_ptr<spdlog::logger> log, NowMicros now);
  void Run(Handoff handoff);
  // AcceptAll accepts until the backlog is empty.
  void AcceptAll(const Handoff& handoff);
  // Admit decides on one accepted connection and, if admitted, tracks it and
  // returns the descriptor to hand over; otherwise closes it.
  int Admit(UniqueFd fd) ABSL_LOCKS_EXCLUDED(mu_);
  // Refuse counts and (at most every 10 s per reason) logs a refusal.
  void Refuse(const char* reason, const std::string& host) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // LogThrottled logs `line` unless a line about `what` went out in the
  // last 10 s.
  void LogThrottled(const char* what, const std::string& line) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int HostCountLocked(const std::string& host) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // EvictIdleLocked aborts the oldest open connection never served (of
  // `host`, if given); false if there is none.
  bool EvictIdleLocked(const std::string* host) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // AbortLocked cuts `c` (see CloseAndBan) and stops counting it.
  void AbortLocked(Connection& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Connection* FindLocked(absl::string_view grpc_peer) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Forget drops the connection whose duplicate is `dup_fd` (it has ended).
  void Forget(int dup_fd) ABSL_LOCKS_EXCLUDED(mu_);
  // Describe names a client for log lines.
  std::string Describe(const std::string& host) const;

  const std::string listener_;
  const ConnectionLimits limits_;
  MetricsRegistry* const metrics_;
  std::shared_ptr<spdlog::logger> log_;
  const NowMicros now_;
  UniqueFd listen_fd_;
  UniqueFd wake_fd_;   // eventfd: Stop wakes the thread
  UniqueFd epoll_fd_;  // the duplicates, watched for the end of each connection
  int port_ = 0;
  std::string unix_path_;
  ino_t unix_inode_ = 0;

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<int, Connection> by_dup_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> dup_by_key_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_host_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int64_t> banned_until_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int64_t> logged_ ABSL_GUARDED_BY(mu_);  // by reason
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;  // connections counted against the limits
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

// PeerKey turns a gRPC peer string ("ipv4:10.0.0.7:5501", "ipv6:[::1]:5501",
// "ipv6:%5B::1%5D:5501", "fd:12") into the form ConnectionGate keys
// connections by ("10.0.0.7:5501", "[::1]:5501", "fd:12"); the host part
// alone with `host_only` ("10.0.0.7", "::1"). Empty if it is none of these.
std::string PeerKey(absl::string_view grpc_peer, bool host_only = false);

}  // namespace authnet
