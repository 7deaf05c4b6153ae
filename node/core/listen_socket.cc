#include "node/core/listen_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

constexpr int kBacklog = 1024;

absl::Status CannotListen(const std::string& flag, const std::string& what, int error) {
  std::string why = error == EADDRINUSE
                        ? "the address is in use (another authnetd, or another program?)"
                    : error == EACCES ? "permission denied"
                                      : std::strerror(error);
  return absl::FailedPreconditionError(absl::StrCat(flag, ": cannot listen on ", what, ": ", why));
}

absl::StatusOr<UniqueFd> BindTcp(const ListenAddress& address, const std::string& flag) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(address.port);
  const std::string what = address.GrpcUri();
  if (int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(flag, ": cannot listen on ", what, ": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(found, freeaddrinfo);
  // Prefer IPv4 for a name with both ("localhost"), as clients dial it first.
  const addrinfo* pick = found;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  }
  UniqueFd fd(::socket(pick->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return CannotListen(flag, what, errno);
  }
  int one = 1;
  // SO_REUSEADDR lets a restarted node bind past TIME_WAIT; unlike
  // SO_REUSEPORT (gRPC's default) it never lets two listeners share a port.
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd.get(), pick->ai_addr, pick->ai_addrlen) != 0 || ::listen(fd.get(), kBacklog) != 0) {
    return CannotListen(flag, what, errno);
  }
  return fd;
}

absl::StatusOr<UniqueFd> BindUnix(const std::string& path, const std::string& flag) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": unix socket path is too long"));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const std::string what = absl::StrCat("unix:", path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(flag, ": cannot listen on ", what, ": the path exists and is not a socket"));
    }
    // A socket file: in use if something answers on it, else left over from
    // a process that died, and safe to replace.
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe.valid() &&
        ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(flag, ": cannot listen on ", what,
                       ": another process is listening on it (another authnetd?)"));
    }
    ::unlink(path.c_str());
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return CannotListen(flag, what, errno);
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd.get(), kBacklog) != 0) {
    int error = errno;
    return error == ENOENT
               ? absl::FailedPreconditionError(absl::StrCat(flag, ": cannot listen on ", what,
                                                            ": its directory does not exist"))
               : CannotListen(flag, what, error);
  }
  return fd;
}

}  // namespace

absl::StatusOr<UniqueFd> ListenOn(const ListenAddress& address, const std::string& flag) {
  return address.is_unix ? BindUnix(address.path, flag) : BindTcp(address, flag);
}

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    return 0;
  }
  if (bound.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port);
  }
  if (bound.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
  }
  return 0;
}

}  // namespace authnet
