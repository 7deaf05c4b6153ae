#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "node/core/flag_parser.h"

namespace authnet {

// kNodeFlags are the flags of every command that talks to a node's api
// listener:
//   --node API_ADDR        unix:PATH or HOST:PORT (required)
//   --ca FILE              PEM roots to verify a TLS api listener's certificate
//                          (default: the system's roots)
//   --server-name NAME     the name the certificate must carry, if not the host
//   --token-file FILE      a bearer token (else $AUTHNET_TOKEN)
// A unix socket or loopback address is dialed in plain text unless --ca is
// given; any other address only over TLS.
inline const std::set<std::string> kNodeFlags = {"node", "ca", "server-name", "token-file"};

// DialNode returns a channel to the node `flags` name. INVALID_ARGUMENT
// naming the flag for a missing --node, an unreadable --ca or token file, or
// a token without TLS.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::Channel>> DialNode(const ParsedFlags& flags);

}  // namespace authnet
