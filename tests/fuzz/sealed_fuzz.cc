// Sealed network keys as a node finds them in a roster: anything may be
// there. A box only opens for the key and context it was sealed to; a box
// the fuzzer did not make never opens; one made here opens to exactly its
// plaintext, and with any one byte flipped (the input picks which) never.
#include "node/crypto/sealed_box.h"
#include "tests/fuzz/fuzz_fixture.h"

using namespace authnet;

namespace {

constexpr char kSealingPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VuBCIEIBhwjTHa7yg1ArAe+iDGCcj3t+buN1iklqmGS6m/pdFL\n"
    "-----END PRIVATE KEY-----\n";

const crypto::X25519Key& SealingKey() {
  static const crypto::X25519Key key = [] {
    absl::StatusOr<crypto::X25519Key> k = crypto::X25519Key::FromPem(kSealingPem);
    FUZZ_INVARIANT(k.ok());
    return *std::move(k);
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::string context = "network-key\0fuzznet\0acme\0" + std::to_string(data[1]);
  if ((data[0] & 1) == 0) {
    // Foreign bytes: a forgery needs the key; none can open.
    absl::StatusOr<std::string> opened = crypto::Unseal(SealingKey(), rest, context);
    FUZZ_INVARIANT(!opened.ok());
    FUZZ_INVARIANT(absl::IsInvalidArgument(opened.status()));
    return 0;
  }
  // Seal the input, then open it.
  absl::StatusOr<std::string> sealed = crypto::SealTo(SealingKey().PublicKey(), rest, context);
  FUZZ_INVARIANT(sealed.ok());
  FUZZ_INVARIANT(sealed->size() == rest.size() + crypto::kSealedOverhead);
  absl::StatusOr<std::string> opened = crypto::Unseal(SealingKey(), *sealed, context);
  FUZZ_INVARIANT(opened.ok() && *opened == rest);
  FUZZ_INVARIANT(!crypto::Unseal(SealingKey(), *sealed, context + "x").ok());
  std::string flipped = *sealed;
  flipped[(size_t{data[1]} * 7919u) % flipped.size()] ^= static_cast<char>(1u << (data[0] >> 5));
  FUZZ_INVARIANT(!crypto::Unseal(SealingKey(), flipped, context).ok());
  return 0;
}
