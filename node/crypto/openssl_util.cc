#include "node/crypto/openssl_util.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace authnet::crypto {

absl::Status OpenSslError(absl::string_view what) {
  unsigned long code = ERR_get_error();
  char reason[256] = "unknown OpenSSL error";
  if (code != 0) {
    ERR_error_string_n(code, reason, sizeof(reason));
  }
  ERR_clear_error();
  return absl::InternalError(absl::StrCat((what), ": ", reason));
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

namespace {

// PassphraseCallback hands OpenSSL the passphrase (`user` is a const
// std::string*, or null: then decryption fails instead of prompting).
int PassphraseCallback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* passphrase = static_cast<const std::string*>(user);
  if (passphrase == nullptr || passphrase->empty() ||
      passphrase->size() > static_cast<size_t>(size)) {
    return 0;
  }
  std::memcpy(buf, passphrase->data(), passphrase->size());
  return static_cast<int>(passphrase->size());
}

constexpr absl::string_view kEncryptedPemLabel = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

}  // namespace

bool IsEncryptedPrivateKeyPem(absl::string_view pem) {
  return pem.find(kEncryptedPemLabel) != absl::string_view::npos;
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(absl::string_view pem,
                                              const std::string* passphrase) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return OpenSslError("reading a private key");
  }
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, PassphraseCallback,
                                         const_cast<std::string*>(passphrase)));
  if (key == nullptr) {
    ERR_clear_error();
    if (IsEncryptedPrivateKeyPem(pem)) {
      return absl::PermissionDeniedError(
          passphrase == nullptr || passphrase->empty()
              ? "the key is encrypted and no passphrase was given"
              : "the passphrase is wrong (or the encrypted key is damaged)");
    }
    return absl::InvalidArgumentError("not a PEM private key");
  }
  return key;
}

absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key, const std::string* passphrase) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) {
    return OpenSslError("writing a private key");
  }
  if (passphrase == nullptr || passphrase->empty()) {
    if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
      return OpenSslError("writing a private key");
    }
    return BioToString(bio.get());
  }
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, OpenSslDeleter<PKCS8_PRIV_KEY_INFO_free>> info(
      EVP_PKEY2PKCS8(key));
  X509_ALGOR* pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                          /*N=*/1 << 14, /*r=*/8, /*p=*/1);
  if (info == nullptr || pbe == nullptr) {
    X509_ALGOR_free(pbe);
    return OpenSslError("preparing an encrypted private key");
  }
  X509_SIG* sealed =
      PKCS8_set0_pbe(passphrase->data(), static_cast<int>(passphrase->size()), info.get(), pbe);
  if (sealed == nullptr) {
    X509_ALGOR_free(pbe);
    return OpenSslError("encrypting a private key");
  }
  std::unique_ptr<X509_SIG, OpenSslDeleter<X509_SIG_free>> owned(sealed);
  if (PEM_write_bio_PKCS8(bio.get(), owned.get()) != 1) {
    return OpenSslError("writing an encrypted private key");
  }
  return BioToString(bio.get());
}

absl::StatusOr<std::string> Hkdf(absl::string_view secret, absl::string_view salt,
                                 absl::string_view info, size_t size) {
  std::unique_ptr<EVP_KDF, OpenSslDeleter<EVP_KDF_free>> kdf(
      EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  std::unique_ptr<EVP_KDF_CTX, OpenSslDeleter<EVP_KDF_CTX_free>> ctx(
      kdf == nullptr ? nullptr : EVP_KDF_CTX_new(kdf.get()));
  if (ctx == nullptr) {
    return OpenSslError("setting up HKDF");
  }
  char digest[] = "SHA256";
  std::string salt_copy(salt);
  std::string info_copy(info);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_copy.data(), salt_copy.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_copy.data(), info_copy.size()),
      OSSL_PARAM_construct_end()};
  std::string out(size, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params) !=
      1) {
    return OpenSslError("deriving a key with HKDF");
  }
  return out;
}

std::string Sha256(absl::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace authnet::crypto
