#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

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

// DescribeCallFailure is what to tell a person whose call to the node
// `flags` name failed with `st`. A node that could not be reached is probed
// once (a TLS handshake that checks nothing, then a plain-text connection,
// up to 2 s each) to say which of these it is, in place of gRPC's raw
// transport message: a TLS listener dialed without --ca; a certificate that
// --ca (or the system's roots) does not verify or that names another host; a
// plain-text listener dialed with --ca; or nothing answering. Any other
// failure is the node's own message.
[[nodiscard]] std::string DescribeCallFailure(const ParsedFlags& flags, const grpc::Status& st);

}  // namespace authnet
