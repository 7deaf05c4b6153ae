#include "bench/wire_counter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace authnet::bench {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

void NoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

}  // namespace

absl::StatusOr<std::unique_ptr<WireCounter>> WireCounter::Start(int target_port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, 16) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) {
      ::close(fd);
    }
    return absl::UnavailableError(absl::StrCat("wire counter: cannot listen on loopback: ", why));
  }
  std::unique_ptr<WireCounter> counter(new WireCounter(fd, ntohs(addr.sin_port), target_port));
  counter->acceptor_ = std::thread([c = counter.get()] { c->Accept(); });
  return counter;
}

WireCounter::~WireCounter() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> pumps;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) {
      ::shutdown(fd, SHUT_RDWR);
    }
    pumps.swap(pumps_);
  }
  for (std::thread& t : pumps) {
    t.join();
  }
  for (int fd : fds_) {
    ::close(fd);
  }
}

void WireCounter::Accept() {
  while (!stopping_) {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // shut down
    }
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in target = Loopback(target_port_);
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
      ::close(client);
      if (server >= 0) {
        ::close(server);
      }
      continue;  // the dialer sees the connection drop, as if the peer were down
    }
    NoDelay(client);
    NoDelay(server);
    std::lock_guard<std::mutex> lock(mu_);
    fds_.push_back(client);
    fds_.push_back(server);
    pumps_.emplace_back([this, client, server] { Pump(client, server, &upstream_); });
    pumps_.emplace_back([this, client, server] { Pump(server, client, &downstream_); });
  }
}

void WireCounter::Pump(int from, int to, std::atomic<uint64_t>* counter) {
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(from, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    *counter += static_cast<uint64_t>(n);
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(to, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) {
        continue;
      }
      if (w <= 0) {
        ::shutdown(from, SHUT_RDWR);
        return;
      }
      done += w;
    }
  }
  ::shutdown(to, SHUT_WR);
}

}  // namespace authnet::bench
