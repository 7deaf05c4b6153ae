#include "node/ctl/node_call.h"

#include <chrono>
#include <cstdio>

#include "node/ctl/node_channel.h"

namespace authnet::cli {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(5);

}  // namespace

int UsageError(absl::string_view command, absl::string_view what) {
  std::fprintf(stderr, "authnetctl %s: %s; run 'authnetctl --help'\n", std::string(command).c_str(),
               std::string(what).c_str());
  return 2;
}

int RpcError(absl::string_view command, const ParsedFlags& flags, const grpc::Status& st) {
  std::fprintf(stderr, "authnetctl %s: %s\n", std::string(command).c_str(),
               DescribeCallFailure(flags, st).c_str());
  return st.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? 2 : 1;
}

void SetDeadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
}

void FillSubjects(const ParsedFlags& f, v1::Subjects* s) {
  s->set_gtin(f.Get("gtin").value_or(""));
  s->set_serial(f.Get("serial").value_or(""));
  s->set_lot(f.Get("lot").value_or(""));
  s->set_supplier(f.Get("supplier").value_or(""));
  s->set_seller(f.Get("seller").value_or(""));
  s->set_nfc_uid(f.Get("nfc-uid").value_or(""));
  s->set_image_phash(f.Get("image-phash").value_or(""));
  s->set_gs1(f.Get("gs1").value_or(""));
}

std::string DecisionName(v1::Decision d) {
  switch (d) {
    case v1::DECISION_DENY:
      return "deny";
    case v1::DECISION_REVIEW:
      return "review";
    default:
      return "allow";
  }
}

}  // namespace authnet::cli
