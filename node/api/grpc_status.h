#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace authnet {

// ToGrpcStatus converts an absl::Status to the gRPC status with the same
// code and message; the codes map one to one.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace authnet
