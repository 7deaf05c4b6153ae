#pragma once

#include <grpcpp/grpcpp.h>

#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "authnet/v1/types.pb.h"
#include "node/core/flag_parser.h"

namespace authnet::cli {

// What the commands that call a node's api share (node_commands.cc,
// local_commands.cc).

// kSubjectFlags name a check's or report's subjects: --gtin, --serial, ...
inline const std::set<std::string> kSubjectFlags = {"gtin",   "serial",  "lot",         "supplier",
                                                    "seller", "nfc-uid", "image-phash", "gs1"};

// UsageError prints `what` was wrong with the command line; returns 2.
int UsageError(absl::string_view command, absl::string_view what);
// RpcError prints a failed call to the node `flags` name (what
// DescribeCallFailure says) and returns its exit status: 2 when the node
// rejected our input, 1 otherwise.
int RpcError(absl::string_view command, const ParsedFlags& flags, const grpc::Status& st);
// SetDeadline gives a call the commands' deadline (5 s).
void SetDeadline(grpc::ClientContext* ctx);
// FillSubjects sets `s` from the subject flags.
void FillSubjects(const ParsedFlags& f, v1::Subjects* s);
// DecisionName is "allow", "review" or "deny".
std::string DecisionName(v1::Decision d);

}  // namespace authnet::cli
