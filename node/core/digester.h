#pragma once

// SHA256_CTX is deprecated in OpenSSL 3 in favour of EVP, whose per-call
// fetch and allocation cost more than the hash of a short identifier.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "authnet/v1/types.pb.h"
#include "node/core/network_keys.h"

namespace authnet {

// DigestBytes is a digest's 32 bytes held inline: a check digests several
// subjects under several epochs, and a heap string for each is most of the
// cost of that.
using DigestBytes = std::array<char, 32>;

// Digest is a keyed digest of one normalized subject and the key epoch it
// was made under.
struct Digest {
  std::string bytes;  // 32 bytes
  uint32_t epoch = 0;
};

// kSubjectDomain prefixes every subject digest. It names the normalization
// version (docs/architecture.md §2) and changes whenever normalization does, so digests
// of two versions never mix: "authnet/v2/" is issue 17's (names
// NFKC_Casefold with ICU, serials and lots case-sensitive GS1 values);
// "authnet/v1/" was ASCII case folding of every text identifier.
inline constexpr absl::string_view kSubjectDomain = "authnet/v2/";
// kMacDomain prefixes Mac's hashes, which do not depend on normalization.
inline constexpr absl::string_view kMacDomain = "authnet/v1/";

// Digester turns normalized identifiers into keyed digests:
//   HMAC-SHA256(network_key[epoch], kSubjectDomain + type + "\0" + value)
// under the newest epoch it holds (reports) or any of them (checks look
// under every live epoch). Immutable; thread-safe.
class Digester {
 public:
  // `mac_key` keys Mac; empty: Mac uses the newest network key.
  explicit Digester(NetworkKeys keys, std::string mac_key = "");

  // Make digests `value` of `type` under the newest epoch.
  Digest Make(v1::SubjectType type, absl::string_view normalized_value) const;
  // MakeUnder digests under `epoch`, which must be one of Epochs().
  DigestBytes MakeUnder(uint32_t epoch, v1::SubjectType type,
                        absl::string_view normalized_value) const;
  // MakeNewest is Make without the allocation.
  DigestBytes MakeNewest(v1::SubjectType type, absl::string_view normalized_value) const;

  // Mac returns HMAC-SHA256(mac key, kMacDomain + domain + "\0" + value):
  // a keyed hash for secrets that are not subjects, such as idempotency
  // keys, so low-entropy values cannot be guessed back from disk. The mac
  // key does not change when the network keys rotate.
  std::string Mac(absl::string_view domain, absl::string_view value) const;

  // CurrentEpoch is the epoch Make digests under: the newest held.
  uint32_t CurrentEpoch() const { return keys_.CurrentEpoch(); }
  // Epochs lists the epochs held, ascending.
  const std::vector<uint32_t>& Epochs() const { return epochs_; }
  const NetworkKeys& keys() const { return keys_; }

 private:
  // Pads are SHA-256 states after absorbing key^ipad and key^opad (HMAC,
  // RFC 2104): a check digests several subjects, and re-deriving the pads
  // for each is most of the cost.
  struct Pads {
    SHA256_CTX inner;
    SHA256_CTX outer;
  };
  static Pads PadsOf(const uint8_t* key, size_t size);
  static void Hmac(const Pads& pads, absl::string_view prefix, absl::string_view domain,
                   absl::string_view value, char* out);
  static std::string Hmac(const Pads& pads, absl::string_view prefix, absl::string_view domain,
                          absl::string_view value);
  const Pads& PadsFor(uint32_t epoch) const;

  NetworkKeys keys_;
  std::vector<uint32_t> epochs_;
  std::vector<Pads> pads_;  // parallel to epochs_
  Pads mac_;
};

}  // namespace authnet
