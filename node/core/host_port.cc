#include "node/core/host_port.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

constexpr size_t kMaxHostBytes = 253;

absl::Status Invalid(absl::string_view field, absl::string_view endpoint, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat((field), ": \"", (endpoint), "\" is not HOST:PORT: ", (what)));
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool IsIpv6Char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(absl::string_view field, absl::string_view endpoint) {
  size_t colon = endpoint.rfind(':');
  if (colon == absl::string_view::npos) {
    return Invalid(field, endpoint, "no port");
  }
  absl::string_view host = endpoint.substr(0, colon);
  absl::string_view port = endpoint.substr(colon + 1);
  if (host.empty()) {
    return Invalid(field, endpoint, "empty host");
  }
  if (host.size() > kMaxHostBytes) {
    return Invalid(field, endpoint, "host is too long");
  }
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return Invalid(field, endpoint, "unterminated IPv6 address");
    }
    for (char c : host.substr(1, host.size() - 2)) {
      if (!IsIpv6Char(c)) {
        return Invalid(field, endpoint, "bad character in IPv6 address");
      }
    }
  } else {
    for (char c : host) {
      if (!IsHostChar(c)) {
        return Invalid(field, endpoint, "bad character in host (IPv6 needs [brackets])");
      }
    }
  }
  if (port.empty() || port.size() > 5) {
    return Invalid(field, endpoint, "port must be 1..65535");
  }
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') {
      return Invalid(field, endpoint, "port must be 1..65535");
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value < 1 || value > 65535) {
    return Invalid(field, endpoint, "port must be 1..65535");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(value)};
}

}  // namespace authnet
