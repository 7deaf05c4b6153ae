// Enrollment requests as an admin receives them (member add --request):
// anything may arrive. Whatever VerifyEnrollRequest accepts must be exactly
// what the signing key it names signed: the signature checks out over the
// very bytes, and the same request with any one byte of its body or
// signature flipped (the input picks which) is refused.
#include "node/bundle/enrollment.h"
#include "tests/fuzz/fuzz_fixture.h"

using namespace authnet;

namespace {

constexpr absl::string_view kDomain("authnet/v1/enroll-request\0", 26);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  v1::EnrollRequest request;
  if (!request.ParseFromArray(data + 2, static_cast<int>(size - 2))) {
    return 0;
  }
  absl::StatusOr<v1::EnrollRequestBody> body = VerifyEnrollRequest(request);
  if (!body.ok()) {
    FUZZ_INVARIANT(absl::IsInvalidArgument(body.status()));
    return 0;
  }
  FUZZ_INVARIANT(crypto::VerifyEd25519(body->signing_public_key(),
                                       std::string(kDomain) + request.body(), request.signature()));
  v1::EnrollRequest flipped = request;
  std::string& target = (data[0] & 1) ? *flipped.mutable_signature() : *flipped.mutable_body();
  if (!target.empty()) {
    target[data[1] % target.size()] ^= static_cast<char>(1u << (data[0] >> 5));
    FUZZ_INVARIANT(!VerifyEnrollRequest(flipped).ok());
  }
  return 0;
}
