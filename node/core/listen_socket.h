#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "node/core/listen_address.h"
#include "node/core/unique_fd.h"

namespace authnet {

// ListenOn binds `address` and listens, returning the non-blocking,
// close-on-exec listening socket:
//   - HOST:PORT (port 0 picks one; a name with both IPv4 and IPv6 addresses
//     binds the IPv4 one) with SO_REUSEADDR but never SO_REUSEPORT, so a
//     port another process listens on is refused instead of shared;
//   - unix:PATH, replacing a socket file only if no process answers on it.
// FAILED_PRECONDITION with one line naming `flag`: "--peer-listen: cannot
// listen on 127.0.0.1:7701: the address is in use (another authnetd, or
// another program?)". Thread-safe.
[[nodiscard]] absl::StatusOr<UniqueFd> ListenOn(const ListenAddress& address,
                                                const std::string& flag);

// BoundPort is the TCP port `fd` is bound to (0 for a unix socket).
int BoundPort(int fd);

}  // namespace authnet
