#include "node/core/listen_address.h"

#include <arpa/inet.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace authnet {

std::string ListenAddress::GrpcUri() const {
  if (is_unix) {
    return absl::StrCat("unix:", path);
  }
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

bool ListenAddress::IsLoopback() const {
  if (is_unix || host == "localhost") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view flag, absl::string_view addr) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": '", addr, "' ", why));
  };
  ListenAddress out;
  if (addr.rfind("unix:", 0) == 0) {
    out.is_unix = true;
    out.path = std::string(addr.substr(5));
    if (out.path.empty()) {
      return invalid("needs a socket path after unix:");
    }
    if (out.path.size() > 100) {
      return invalid("is too long for a unix socket path (at most 100 bytes)");
    }
    return out;
  }
  size_t colon = addr.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return invalid("is not HOST:PORT or unix:PATH");
  }
  absl::string_view host = addr.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') {
      return invalid("has an unclosed '['");
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != absl::string_view::npos) {
    return invalid("IPv6 addresses go in brackets, e.g. [::1]:7701");
  }
  int port = -1;
  if (!absl::SimpleAtoi(addr.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return invalid("has no valid port (0..65535)");
  }
  out.host = std::string(host);
  out.port = port;
  return out;
}

}  // namespace authnet
