#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>

#include "authnet/v1/peer.grpc.pb.h"

namespace authnet::testing {

// PeerChannel is a channel to a peer listener at 127.0.0.1:`port` over TLS,
// checking the server against `ca_bundle`'s network CA (its certificate
// names a member, not a host) and presenting the client certificate of
// `client_bundle` if it is not empty.
std::shared_ptr<grpc::Channel> PeerChannel(int port, const std::filesystem::path& ca_bundle,
                                           const std::filesystem::path& client_bundle);

// CallPeerPort calls GetRoster on a peer listener at 127.0.0.1:`port` over
// TLS, checking the server against `ca_bundle`'s network CA (its
// certificate names a member, not a host) and presenting the client
// certificate of `client_bundle` if it is not empty.
grpc::Status CallPeerPort(int port, const std::filesystem::path& ca_bundle,
                          const std::filesystem::path& client_bundle, v1::GetRosterResponse* resp);

}  // namespace authnet::testing
