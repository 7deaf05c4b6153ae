#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace authnet::testing {

// CallRaw makes a unary call of `method` with a serialized request and
// `metadata` (e.g. {"authorization", "Bearer ..."}) on `channel`, with a 5 s
// deadline, and returns the serialized response or the call's status. For
// calls whose request the typed stubs cannot send (malformed bytes) or
// whose protos are not at hand (reflection).
absl::StatusOr<std::string> CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                                    const std::string& method, const std::string& request,
                                    const std::map<std::string, std::string>& metadata = {});

}  // namespace authnet::testing
