#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/crypto/openssl_util.h"

namespace authnet::crypto {

// X25519Key is a member's private sealing key: the network admins seal
// network keys to its public half (SealTo), the member's node opens them
// (Unseal). Immutable once made; thread-safe.
class X25519Key {
 public:
  // Generate makes a fresh key from OpenSSL's CSPRNG.
  [[nodiscard]] static absl::StatusOr<X25519Key> Generate();
  // FromPem parses an unencrypted PKCS#8 PEM private key; INVALID_ARGUMENT
  // unless it is X25519.
  [[nodiscard]] static absl::StatusOr<X25519Key> FromPem(absl::string_view pem);

  // ToPem returns the unencrypted PKCS#8 PEM form: store it with mode 0600.
  [[nodiscard]] absl::StatusOr<std::string> ToPem() const;
  // PublicKey returns the 32-byte raw public key.
  const std::string& PublicKey() const { return public_key_; }

 private:
  friend absl::StatusOr<std::string> Unseal(const X25519Key&, absl::string_view, absl::string_view);
  friend absl::StatusOr<std::string> SealTo(absl::string_view, absl::string_view,
                                            absl::string_view);
  friend bool X25519PublicKeyValid(absl::string_view);
  X25519Key(std::shared_ptr<EVP_PKEY> pkey, std::string public_key)
      : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}

  std::shared_ptr<EVP_PKEY> pkey_;
  std::string public_key_;
};

// kSealedOverhead is what SealTo adds to the plaintext: an ephemeral public
// key (32), a nonce (12) and the GCM tag (16).
inline constexpr size_t kSealedOverhead = 32 + 12 + 16;

// SealTo encrypts `plaintext` so that only the holder of the X25519 private
// key for `recipient_public_key` (raw, 32 bytes) can read it: an ephemeral
// X25519 key agreement, HKDF-SHA256 (salt: ephemeral || recipient public
// keys; info: "authnet/v1/sealed-box\0" + `context`) to an AES-256-GCM key,
// a random nonce, and `context` as associated data. `context` binds the box
// to its use (the network, member and epoch a network key is for): a box
// opened under any other context fails. Output: ephemeral public key |
// nonce | ciphertext | tag. INVALID_ARGUMENT for a malformed public key.
[[nodiscard]] absl::StatusOr<std::string> SealTo(absl::string_view recipient_public_key,
                                                 absl::string_view plaintext,
                                                 absl::string_view context);

// Unseal opens a box SealTo made for `key` under `context`.
// INVALID_ARGUMENT if it is too short, was sealed to another key or under
// another context, or was altered in any byte.
[[nodiscard]] absl::StatusOr<std::string> Unseal(const X25519Key& key, absl::string_view sealed,
                                                 absl::string_view context);

// X25519PublicKeyValid: `public_key` is 32 bytes OpenSSL accepts as X25519
// and not a low-order point (a trial key agreement succeeds).
bool X25519PublicKeyValid(absl::string_view public_key);

}  // namespace authnet::crypto
