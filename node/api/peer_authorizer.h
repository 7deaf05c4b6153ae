#pragma once

#include <grpcpp/security/auth_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "node/bundle/roster.h"

namespace authnet {

// AuthorizePeer decides who is calling on the peer listener. The member id
// comes only from the client certificate's single URI SAN
// (spiffe://NETWORK/member/ID); the caller is authorized only while `roster`
// lists that member active with that certificate's SHA-256. Returns the
// member id, UNAUTHENTICATED without a client certificate, or
// PERMISSION_DENIED naming the reason. Thread-safe.
[[nodiscard]] absl::StatusOr<std::string> AuthorizePeer(const grpc::AuthContext& auth,
                                                        const Roster& roster);

// MemberOf is the member id the caller's certificate names, whatever its
// standing in `roster` (for naming a caller in a log line): UNAUTHENTICATED
// without a certificate, PERMISSION_DENIED if it names no member of the
// roster's network. Thread-safe.
[[nodiscard]] absl::StatusOr<std::string> MemberOf(const grpc::AuthContext& auth,
                                                   const Roster& roster);

}  // namespace authnet
