#include "node/crypto/sealed_box.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include "absl/strings/str_cat.h"

namespace authnet::crypto {
namespace {

constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr absl::string_view kHkdfDomain("authnet/v1/sealed-box\0", 22);

using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX_free>>;

absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* pkey) {
  size_t len = kKeySize;
  std::string pub(len, '\0');
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
      len != kKeySize) {
    return OpenSslError("reading an X25519 public key");
  }
  return pub;
}

EvpPkeyPtr PublicKeyFromRaw(absl::string_view raw) {
  if (raw.size() != kKeySize) {
    return nullptr;
  }
  return EvpPkeyPtr(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_X25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
}

// SharedSecret is X25519(`own`, `peer`); fails for a low-order peer key
// (an all-zero result), which OpenSSL refuses.
absl::StatusOr<std::string> SharedSecret(EVP_PKEY* own, EVP_PKEY* peer) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(own, nullptr));
  size_t len = kKeySize;
  std::string secret(len, '\0');
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &len) != 1 ||
      len != kKeySize) {
    ERR_clear_error();
    return absl::InvalidArgumentError("X25519 key agreement failed (a malformed public key)");
  }
  return secret;
}

// BoxKey is HKDF-SHA256(secret, salt = ephemeral || recipient,
// info = domain + context), 32 bytes.
absl::StatusOr<std::string> BoxKey(absl::string_view secret, absl::string_view ephemeral,
                                   absl::string_view recipient, absl::string_view context) {
  return Hkdf(secret, absl::StrCat(ephemeral, recipient), absl::StrCat(kHkdfDomain, context),
              kKeySize);
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

absl::StatusOr<X25519Key> X25519Key::Generate() {
  EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (pkey == nullptr) {
    return OpenSslError("generating an X25519 key");
  }
  absl::StatusOr<std::string> pub = RawPublicKey(pkey.get());
  if (!pub.ok()) {
    return pub.status();
  }
  return X25519Key(std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free), *std::move(pub));
}

absl::StatusOr<X25519Key> X25519Key::FromPem(absl::string_view pem) {
  absl::StatusOr<EvpPkeyPtr> parsed = ParsePrivateKeyPem(pem);
  if (!parsed.ok()) {
    return parsed.status();
  }
  EvpPkeyPtr pkey = *std::move(parsed);
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_X25519) {
    return absl::InvalidArgumentError("not an X25519 key");
  }
  absl::StatusOr<std::string> pub = RawPublicKey(pkey.get());
  if (!pub.ok()) {
    return pub.status();
  }
  return X25519Key(std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free), *std::move(pub));
}

absl::StatusOr<std::string> X25519Key::ToPem() const { return PrivateKeyToPem(pkey_.get()); }

bool X25519PublicKeyValid(absl::string_view public_key) {
  // A trial agreement: OpenSSL refuses a low-order point (an all-zero secret).
  EvpPkeyPtr peer = PublicKeyFromRaw(public_key);
  absl::StatusOr<X25519Key> probe = X25519Key::Generate();
  if (peer == nullptr || !probe.ok()) {
    ERR_clear_error();
    return false;
  }
  return SharedSecret(probe->pkey_.get(), peer.get()).ok();
}

absl::StatusOr<std::string> SealTo(absl::string_view recipient_public_key,
                                   absl::string_view plaintext, absl::string_view context) {
  EvpPkeyPtr recipient = PublicKeyFromRaw(recipient_public_key);
  if (recipient == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("the sealing public key is not a 32-byte X25519 key");
  }
  absl::StatusOr<X25519Key> ephemeral = X25519Key::Generate();
  if (!ephemeral.ok()) {
    return ephemeral.status();
  }
  absl::StatusOr<std::string> secret = SharedSecret(ephemeral->pkey_.get(), recipient.get());
  if (!secret.ok()) {
    return secret.status();
  }
  absl::StatusOr<std::string> key =
      BoxKey(*secret, ephemeral->PublicKey(), recipient_public_key, context);
  if (!key.ok()) {
    return key.status();
  }
  std::string out = ephemeral->PublicKey();
  std::string nonce(kNonceSize, '\0');
  if (RAND_bytes(Bytes(nonce), static_cast<int>(nonce.size())) != 1) {
    return OpenSslError("generating a nonce");
  }
  out += nonce;
  std::string ciphertext(plaintext.size(), '\0');
  std::string tag(kTagSize, '\0');
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(*key), Bytes(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), Bytes(ciphertext), &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), Bytes(ciphertext) + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag.data()) != 1) {
    return OpenSslError("sealing with AES-256-GCM");
  }
  OPENSSL_cleanse(key->data(), key->size());
  absl::StrAppend(&out, ciphertext, tag);
  return out;
}

absl::StatusOr<std::string> Unseal(const X25519Key& key, absl::string_view sealed,
                                   absl::string_view context) {
  if (sealed.size() < kSealedOverhead) {
    return absl::InvalidArgumentError(absl::StrCat("sealed box is ", sealed.size(),
                                                   " bytes, less than the ", kSealedOverhead,
                                                   " every box has"));
  }
  absl::string_view ephemeral_raw = sealed.substr(0, kKeySize);
  absl::string_view nonce = sealed.substr(kKeySize, kNonceSize);
  absl::string_view ciphertext =
      sealed.substr(kKeySize + kNonceSize, sealed.size() - kSealedOverhead);
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  EvpPkeyPtr ephemeral = PublicKeyFromRaw(ephemeral_raw);
  if (ephemeral == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("sealed box: malformed ephemeral key");
  }
  absl::StatusOr<std::string> secret = SharedSecret(key.pkey_.get(), ephemeral.get());
  if (!secret.ok()) {
    return secret.status();
  }
  absl::StatusOr<std::string> box_key = BoxKey(*secret, ephemeral_raw, key.PublicKey(), context);
  if (!box_key.ok()) {
    return box_key.status();
  }
  std::string plaintext(ciphertext.size(), '\0');
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(*box_key),
                               Bytes(nonce)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                              static_cast<int>(context.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), Bytes(plaintext), &len, Bytes(ciphertext),
                              static_cast<int>(ciphertext.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), Bytes(plaintext) + len, &len) == 1;
  OPENSSL_cleanse(box_key->data(), box_key->size());
  ERR_clear_error();
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return absl::InvalidArgumentError(
        "sealed box does not open: it was sealed to another key or for another use, or altered");
  }
  return plaintext;
}

}  // namespace authnet::crypto
