#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/crypto/openssl_util.h"

namespace authnet::crypto {

// Ed25519Key is a private Ed25519 signing key: members sign their batches
// with it, the network admin signs rosters. Immutable once made; Sign is
// thread-safe.
//
//   absl::StatusOr<Ed25519Key> key = Ed25519Key::Generate();
//   std::string sig = key->Sign("authnet/v1/batch\0" + body);
class Ed25519Key {
 public:
  // Generate makes a fresh key from OpenSSL's CSPRNG.
  [[nodiscard]] static absl::StatusOr<Ed25519Key> Generate();
  // FromPem parses a PKCS#8 PEM private key, encrypted ones with
  // `passphrase`; fails unless it is Ed25519 (PERMISSION_DENIED for a
  // missing or wrong passphrase, see ParsePrivateKeyPem).
  [[nodiscard]] static absl::StatusOr<Ed25519Key> FromPem(absl::string_view pem,
                                                          const std::string* passphrase = nullptr);

  // ToPem returns the PKCS#8 PEM form: unencrypted (store it with mode
  // 0600), or encrypted under a non-empty `passphrase` (PrivateKeyToPem).
  [[nodiscard]] absl::StatusOr<std::string> ToPem(const std::string* passphrase = nullptr) const;
  // PublicKey returns the 32-byte raw public key.
  std::string PublicKey() const { return public_key_; }
  // DeriveSecret returns 32 bytes of HKDF-SHA256 of the private key with
  // info "authnet/v1/" + `label`: a local secret tied to this key (the
  // node's idempotency MAC key), not usable to recover it.
  [[nodiscard]] absl::StatusOr<std::string> DeriveSecret(absl::string_view label) const;
  // Sign returns the 64-byte signature of `message`.
  [[nodiscard]] absl::StatusOr<std::string> Sign(absl::string_view message) const;

 private:
  Ed25519Key(std::shared_ptr<EVP_PKEY> pkey, std::string public_key)
      : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}

  std::shared_ptr<EVP_PKEY> pkey_;
  std::string public_key_;
};

// VerifyEd25519 reports whether `signature` is a valid Ed25519 signature of
// `message` by the raw 32-byte `public_key`. Thread-safe.
[[nodiscard]] bool VerifyEd25519(absl::string_view public_key, absl::string_view message,
                                 absl::string_view signature);

// Ed25519PublicKeyToPem returns the SubjectPublicKeyInfo PEM ("PUBLIC KEY")
// of a raw 32-byte public key. Thread-safe.
[[nodiscard]] absl::StatusOr<std::string> Ed25519PublicKeyToPem(absl::string_view public_key);

// Ed25519PublicKeyFromPem parses a "PUBLIC KEY" PEM and returns the raw
// 32-byte key; INVALID_ARGUMENT unless it is an Ed25519 public key.
// Thread-safe.
[[nodiscard]] absl::StatusOr<std::string> Ed25519PublicKeyFromPem(absl::string_view pem);

}  // namespace authnet::crypto
