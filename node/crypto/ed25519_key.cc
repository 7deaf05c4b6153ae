#include "node/crypto/ed25519_key.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "absl/strings/str_cat.h"

namespace authnet::crypto {
namespace {

// RawPublicKey returns the 32-byte public half of an Ed25519 key.
absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* pkey) {
  size_t len = 32;
  std::string pub(len, '\0');
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
      len != 32) {
    return OpenSslError("reading an Ed25519 public key");
  }
  return pub;
}

}  // namespace

absl::StatusOr<Ed25519Key> Ed25519Key::Generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (raw == nullptr) {
    return OpenSslError("generating an Ed25519 key");
  }
  EvpPkeyPtr pkey(raw);
  absl::StatusOr<std::string> pub = RawPublicKey(pkey.get());
  if (!pub.ok()) {
    return pub.status();
  }
  return Ed25519Key(std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free), *std::move(pub));
}

absl::StatusOr<Ed25519Key> Ed25519Key::FromPem(absl::string_view pem,
                                               const std::string* passphrase) {
  absl::StatusOr<EvpPkeyPtr> parsed = ParsePrivateKeyPem(pem, passphrase);
  if (!parsed.ok()) {
    return parsed.status();
  }
  EvpPkeyPtr pkey = *std::move(parsed);
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("not an Ed25519 key");
  }
  absl::StatusOr<std::string> pub = RawPublicKey(pkey.get());
  if (!pub.ok()) {
    return pub.status();
  }
  return Ed25519Key(std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free), *std::move(pub));
}

absl::StatusOr<std::string> Ed25519Key::ToPem(const std::string* passphrase) const {
  return PrivateKeyToPem(pkey_.get(), passphrase);
}

absl::StatusOr<std::string> Ed25519Key::DeriveSecret(absl::string_view label) const {
  std::string raw(32, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_private_key(pkey_.get(), reinterpret_cast<unsigned char*>(raw.data()),
                                   &len) != 1 ||
      len != 32) {
    return OpenSslError("reading an Ed25519 private key");
  }
  absl::StatusOr<std::string> out = Hkdf(raw, "", absl::StrCat("authnet/v1/", label), 32);
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

absl::StatusOr<std::string> Ed25519Key::Sign(absl::string_view message) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1) {
    return OpenSslError("starting an Ed25519 signature");
  }
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != 64) {
    return OpenSslError("making an Ed25519 signature");
  }
  return sig;
}

bool VerifyEd25519(absl::string_view public_key, absl::string_view message,
                   absl::string_view signature) {
  if (public_key.size() != 32 || signature.size() != 64) {
    return false;
  }
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()), 32));
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (pkey == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  bool ok =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  ERR_clear_error();
  return ok;
}

absl::StatusOr<std::string> Ed25519PublicKeyToPem(absl::string_view public_key) {
  if (public_key.size() != 32) {
    return absl::InvalidArgumentError("an Ed25519 public key is 32 bytes");
  }
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()), 32));
  if (pkey == nullptr) {
    return OpenSslError("reading an Ed25519 public key");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    return OpenSslError("writing an Ed25519 public key");
  }
  return BioToString(bio.get());
}

absl::StatusOr<std::string> Ed25519PublicKeyFromPem(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return OpenSslError("reading an Ed25519 public key");
  }
  EvpPkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a PEM public key");
  }
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("not an Ed25519 public key");
  }
  return RawPublicKey(pkey.get());
}

}  // namespace authnet::crypto
