#include "node/admission/connection_gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "node/core/clock.h"
#include "node/core/listen_socket.h"
#include "node/metrics/metric_names.h"

namespace authnet {
namespace {

constexpr int64_t kLogEveryMicros = 10'000'000;
// Bans remembered at once; expired ones are dropped beyond this.
constexpr size_t kMaxBanned = 10'000;

// SocketKey is the key of a connected TCP socket's peer: "10.0.0.7:5501",
// "[::1]:5501", "[fe80::1%2]:5501" (an IPv4-mapped IPv6 peer is written as
// IPv4, and a zone as its number, as gRPC does).
std::string SocketKey(const sockaddr_storage& addr, std::string* host) {
  char text[INET6_ADDRSTRLEN] = {};
  int port = 0;
  bool v6 = false;
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &a.sin_addr, text, sizeof(text));
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    port = ntohs(a.sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&a.sin6_addr)) {
      inet_ntop(AF_INET, &a.sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
      inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof(text));
      v6 = true;
      if (a.sin6_scope_id != 0) {  // link-local: with its zone, as gRPC writes it
        *host = absl::StrCat(text, "%", a.sin6_scope_id);
        return absl::StrCat("[", *host, "]:", port);
      }
    }
  }
  *host = text;
  return v6 ? absl::StrCat("[", text, "]:", port) : absl::StrCat(text, ":", port);
}

}  // namespace

std::string PeerKey(absl::string_view grpc_peer, bool host_only) {
  if (absl::StartsWith(grpc_peer, "fd:")) {
    return host_only ? "" : std::string(grpc_peer);
  }
  absl::string_view rest;
  if (absl::StartsWith(grpc_peer, "ipv4:") || absl::StartsWith(grpc_peer, "ipv6:")) {
    rest = grpc_peer.substr(5);
  } else {
    return "";
  }
  std::string text = rest.find('%') == absl::string_view::npos
                         ? std::string(rest)
                         : absl::StrReplaceAll(rest, {{"%5B", "["}, {"%5D", "]"}, {"%25", "%"}});
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return "";
  }
  if (!host_only) {
    return text;
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

ConnectionGate::ConnectionGate(std::string listener, ConnectionLimits limits,
                               MetricsRegistry* metrics, std::shared_ptr<spdlog::logger> log,
                               NowMicros now)
    : listener_(std::move(listener)),
      limits_(limits),
      metrics_(metrics),
      log_(std::move(log)),
      now_(now ? std::move(now) : NowMicros(SteadyMicros)) {}

absl::StatusOr<std::unique_ptr<ConnectionGate>> ConnectionGate::Listen(
    const ListenAddress& address, const std::string& flag, std::string listener,
    ConnectionLimits limits, MetricsRegistry* metrics, std::shared_ptr<spdlog::logger> log,
    NowMicros now) {
  std::unique_ptr<ConnectionGate> gate(
      new ConnectionGate(std::move(listener), limits, metrics, std::move(log), std::move(now)));
  absl::StatusOr<UniqueFd> fd = ListenOn(address, flag);
  if (!fd.ok()) {
    return fd.status();
  }
  gate->listen_fd_ = *std::move(fd);
  if (address.is_unix) {
    struct stat st {};
    ::stat(address.path.c_str(), &st);
    gate->unix_path_ = address.path;
    gate->unix_inode_ = st.st_ino;
  } else {
    gate->port_ = BoundPort(gate->listen_fd_.get());
  }
  gate->wake_fd_ = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  gate->epoll_fd_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (!gate->wake_fd_.valid() || !gate->epoll_fd_.valid()) {
    return absl::InternalError(
        absl::StrCat(flag, ": cannot set up the listener: ", std::strerror(errno)));
  }
  return gate;
}

ConnectionGate::~ConnectionGate() { Stop(); }

void ConnectionGate::Start(Handoff handoff) {
  thread_ = std::thread([this, handoff = std::move(handoff)] { Run(handoff); });
}

void ConnectionGate::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_.get(), &one, sizeof(one));
  if (thread_.joinable()) {
    thread_.join();
  }
  listen_fd_.Close();
  if (!unix_path_.empty()) {
    struct stat st {};
    // Only our own socket file: another process may have replaced it.
    if (::lstat(unix_path_.c_str(), &st) == 0 && st.st_ino == unix_inode_) {
      ::unlink(unix_path_.c_str());
    }
  }
}

void ConnectionGate::Run(Handoff handoff) {
  pollfd fds[3] = {
      {listen_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}, {epoll_fd_.get(), POLLIN, 0}};
  while (true) {
    if (::poll(fds, 3, -1) < 0 && errno != EINTR) {
      log_->error("{} listener: poll failed: {}; no longer accepting", listener_,
                  std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    if (fds[2].revents != 0) {
      epoll_event events[64];
      int n = ::epoll_wait(epoll_fd_.get(), events, 64, 0);
      for (int i = 0; i < n; ++i) {
        Forget(events[i].data.fd);
      }
    }
    if (fds[0].revents != 0) {
      AcceptAll(handoff);
    }
  }
}

void ConnectionGate::AcceptAll(const Handoff& handoff) {
  while (true) {
    UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // Out of descriptors, say: back off rather than spin.
        int error = errno;
        {
          absl::MutexLock lock(&mu_);
          LogThrottled("accept", absl::StrCat("accept failed: ", std::strerror(error),
                                              "; retrying every 100 ms"));
        }
        ::poll(nullptr, 0, 100);
      }
      return;
    }
    if (int admitted = Admit(std::move(fd)); admitted >= 0) {
      handoff(admitted);
    }
  }
}

int ConnectionGate::Admit(UniqueFd fd) {
  Connection c;
  if (is_unix()) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      return -1;
    }
    c.host = absl::StrCat("uid:", cred.uid);
    c.key = absl::StrCat("fd:", fd.get());  // gRPC names fd-added channels so
  } else {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getpeername(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return -1;  // already gone
    }
    c.key = SocketKey(addr, &c.host);
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  absl::MutexLock lock(&mu_);
  int64_t now = now_();
  if (auto ban = banned_until_.find(c.host); ban != banned_until_.end()) {
    if (now < ban->second) {
      Refuse(kConnectionRefusedBanned, c.host);
      return -1;
    }
    banned_until_.erase(ban);
  }
  // Full: make room by evicting the oldest connection that was never served
  // (a handshake left hanging, a connection that only holds a slot), so
  // that idle sockets cannot lock real clients out; else refuse.
  if (open_ >= static_cast<size_t>(limits_.max_connections) && !EvictIdleLocked(nullptr)) {
    Refuse(kConnectionRefusedListenerFull, c.host);
    return -1;
  }
  if (HostCountLocked(c.host) >= limits_.max_per_host && !EvictIdleLocked(&c.host)) {
    Refuse(kConnectionRefusedHostFull, c.host);
    return -1;
  }
  c.dup = UniqueFd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
  epoll_event ev{};
  ev.events = 0;  // EPOLLHUP and EPOLLERR are always reported: the connection ended
  ev.data.fd = c.dup.get();
  if (!c.dup.valid() || ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, c.dup.get(), &ev) != 0) {
    LogThrottled("track",
                 absl::StrCat("cannot track a new connection, closed it: ", std::strerror(errno)));
    return -1;
  }
  c.id = ++next_id_;
  c.opened = now;
  ++per_host_[c.host];
  ++open_;
  int dup_fd = c.dup.get();
  dup_by_key_[c.key] = dup_fd;  // replaces an ended connection's reused fd number
  by_dup_.emplace(dup_fd, std::move(c));
  return fd.Release();
}

int ConnectionGate::HostCountLocked(const std::string& host) const {
  auto it = per_host_.find(host);
  return it == per_host_.end() ? 0 : it->second;
}

bool ConnectionGate::EvictIdleLocked(const std::string* host) {
  Connection* oldest = nullptr;
  for (auto& [dup, c] : by_dup_) {
    if (!c.served && !c.closed && (host == nullptr || c.host == *host) &&
        (oldest == nullptr || c.opened < oldest->opened)) {
      oldest = &c;
    }
  }
  if (oldest == nullptr) {
    return false;
  }
  AbortLocked(*oldest);
  if (metrics_ != nullptr) {
    metrics_->GetCounter(kConnectionsEvicted, kConnectionsEvictedHelp, {{"listener", listener_}})
        .Increment();
  }
  return true;
}

void ConnectionGate::AbortLocked(Connection& c) {
  c.closed = true;
  if (!is_unix()) {
    // An abortive close (RST) that also drops what the socket has received
    // and not yet read: shutdown(2) alone would let gRPC go on reading a
    // flood already queued in the kernel. connect(AF_UNSPEC) disconnects a
    // TCP socket whichever descriptor of it is used. (A unix socket has no
    // such disconnect: gRPC may still read what was queued, at most a
    // socket buffer's worth, as the sender can write no more.)
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    ::connect(c.dup.get(), &unspec, sizeof(unspec));
  }
  ::shutdown(c.dup.get(), SHUT_RDWR);
  // It no longer counts against the limits, though its descriptors live on
  // until gRPC lets go of them (Forget).
  if (auto h = per_host_.find(c.host); h != per_host_.end() && --h->second <= 0) {
    per_host_.erase(h);
  }
  --open_;
}

void ConnectionGate::Refuse(const char* reason, const std::string& host) {
  if (metrics_ != nullptr) {
    metrics_
        ->GetCounter(kConnectionsRefused, kConnectionsRefusedHelp,
                     {{"listener", listener_}, {"reason", reason}})
        .Increment();
  }
  LogThrottled(reason, absl::StrCat("closed a new connection from ", Describe(host), ": ",
                                    std::string_view(reason) == kConnectionRefusedBanned
                                        ? "the host is refused for a while after abuse"
                                    : std::string_view(reason) == kConnectionRefusedHostFull
                                        ? "it holds its limit of connections per host already"
                                        : "the listener holds its limit of connections already"));
}

void ConnectionGate::LogThrottled(const char* what, const std::string& line) {
  int64_t now = now_();
  auto [it, first] = logged_.try_emplace(what, now);
  if (!first && now - it->second < kLogEveryMicros) {
    return;
  }
  it->second = now;
  log_->warn("{} listener: {} (logged at most every 10 s)", listener_, line);
}

std::string ConnectionGate::Describe(const std::string& host) const {
  return absl::StartsWith(host, "uid:") ? absl::StrCat("a local process of ", host) : host;
}

void ConnectionGate::Forget(int dup_fd) {
  absl::MutexLock lock(&mu_);
  auto it = by_dup_.find(dup_fd);
  if (it == by_dup_.end()) {
    return;
  }
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, dup_fd, nullptr);
  if (auto k = dup_by_key_.find(it->second.key); k != dup_by_key_.end() && k->second == dup_fd) {
    dup_by_key_.erase(k);
  }
  if (!it->second.closed) {  // an aborted one was uncounted then
    if (auto h = per_host_.find(it->second.host); h != per_host_.end() && --h->second <= 0) {
      per_host_.erase(h);
    }
    --open_;
  }
  by_dup_.erase(it);  // closes the duplicate
}

std::string ConnectionGate::ClientOf(absl::string_view grpc_peer) const {
  if (!is_unix()) {
    return PeerKey(grpc_peer, /*host_only=*/true);
  }
  absl::MutexLock lock(&mu_);
  auto k = dup_by_key_.find(PeerKey(grpc_peer));
  return k == dup_by_key_.end() ? "" : by_dup_.at(k->second).host;
}

ConnectionGate::Connection* ConnectionGate::FindLocked(absl::string_view grpc_peer) {
  auto k = dup_by_key_.find(PeerKey(grpc_peer));
  return k == dup_by_key_.end() ? nullptr : &by_dup_.at(k->second);
}

bool ConnectionGate::CloseAndBan(absl::string_view grpc_peer) {
  absl::MutexLock lock(&mu_);
  Connection* c = FindLocked(grpc_peer);
  if (c == nullptr || c->closed) {
    return false;
  }
  AbortLocked(*c);
  int64_t now = now_();
  if (banned_until_.size() >= kMaxBanned) {
    absl::erase_if(banned_until_, [now](const auto& b) { return b.second <= now; });
  }
  banned_until_[c->host] =
      now + std::chrono::duration_cast<std::chrono::microseconds>(limits_.ban).count();
  return true;
}

void ConnectionGate::NoteServed(absl::string_view grpc_peer) {
  absl::MutexLock lock(&mu_);
  if (Connection* c = FindLocked(grpc_peer)) {
    c->served = true;
  }
}

uint64_t ConnectionGate::IdOf(absl::string_view grpc_peer) {
  absl::MutexLock lock(&mu_);
  Connection* c = FindLocked(grpc_peer);
  return c == nullptr ? 0 : c->id;
}

size_t ConnectionGate::connections() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

}  // namespace authnet
