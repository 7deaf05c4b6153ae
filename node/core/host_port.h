#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet {

// HostPort is a parsed "HOST:PORT" endpoint. `host` is a DNS name, an IPv4
// address or a bracketed IPv6 address (kept with its brackets, as gRPC
// expects it in a target).
struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// ParseHostPort parses `endpoint` as HOST:PORT with PORT in 1..65535 and
// HOST made of letters, digits, '.', '-' and '_' (or "[IPv6]"). Fails with
// INVALID_ARGUMENT "`field`: <what is wrong>". Thread-safe.
[[nodiscard]] absl::StatusOr<HostPort> ParseHostPort(absl::string_view field,
                                                     absl::string_view endpoint);

}  // namespace authnet
