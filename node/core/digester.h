#pragma once

// SHA256_CTX is deprecated in OpenSSL 3 in favour of EVP, whose per-call
// fetch and allocation cost more than the hash of a short identifier.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <string>

#include "absl/strings/string_view.h"
#include "authnet/v1/types.pb.h"
#include "node/core/network_keys.h"

namespace authnet {

// Digest is a keyed digest of one normalized subject and the key epoch it
// was made under.
struct Digest {
  std::string bytes;  // 32 bytes
  uint32_t epoch = 0;
};

// Digester turns normalized identifiers into keyed digests:
//   HMAC-SHA256(network_key[epoch], "authnet/v1/" + type + "\0" + value).
// Immutable; thread-safe.
class Digester {
 public:
  explicit Digester(NetworkKeys keys);

  // Make digests `value` of `type` under the current epoch.
  Digest Make(v1::SubjectType type, absl::string_view normalized_value) const;

  // Mac returns HMAC-SHA256(current network key, "authnet/v1/" + domain +
  // "\0" + value): a keyed hash for secrets that are not subjects, such as
  // idempotency keys, so low-entropy values cannot be guessed back from disk.
  std::string Mac(absl::string_view domain, absl::string_view value) const;

  // CurrentEpoch is the epoch Make digests under.
  uint32_t CurrentEpoch() const { return keys_.CurrentEpoch(); }

 private:
  // Hmac is HMAC-SHA256 under the current key of "authnet/v1/" + domain +
  // "\0" + value, from the key's precomputed pad states (a check digests
  // several subjects; re-deriving the pads for each is most of the cost).
  std::string Hmac(absl::string_view domain, absl::string_view value) const;

  NetworkKeys keys_;
  // SHA-256 states after absorbing key^ipad and key^opad (HMAC, RFC 2104).
  SHA256_CTX inner_;
  SHA256_CTX outer_;
};

}  // namespace authnet
