#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet {

// ListenAddress is a parsed HOST:PORT or unix:PATH address.
struct ListenAddress {
  bool is_unix = false;
  std::string host;  // without brackets
  int port = 0;
  std::string path;  // unix socket path

  // GrpcUri returns the form grpc::ServerBuilder and grpc::CreateChannel take.
  std::string GrpcUri() const;
  // IsLoopback: a unix socket, localhost, 127.0.0.0/8 or ::1.
  bool IsLoopback() const;
};

// ParseListenAddress parses `addr` ("unix:/run/authnet/api.sock",
// "127.0.0.1:7701", "[::1]:7701", "localhost:0"). `flag` names the flag in
// the INVALID_ARGUMENT error.
[[nodiscard]] absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view flag,
                                                               absl::string_view addr);

}  // namespace authnet
