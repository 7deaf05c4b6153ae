#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet::crypto {

// Owning handles for OpenSSL objects: each frees with its own function.
template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<X509_REQ_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER_free>>;

// OpenSslError returns an INTERNAL status "`what`: <OpenSSL's reason>" and
// clears OpenSSL's error queue.
absl::Status OpenSslError(absl::string_view what);

// BioToString drains a memory BIO into a string.
std::string BioToString(BIO* bio);

// ParsePrivateKeyPem parses a PEM private key of any type, unencrypted or,
// given `passphrase`, encrypted PKCS#8. INVALID_ARGUMENT "not a PEM private
// key" if it is not one; PERMISSION_DENIED if it is encrypted and
// `passphrase` is missing or wrong. Never prompts.
[[nodiscard]] absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(
    absl::string_view pem, const std::string* passphrase = nullptr);

// IsEncryptedPrivateKeyPem: `pem` holds an encrypted PKCS#8 private key.
bool IsEncryptedPrivateKeyPem(absl::string_view pem);

// PrivateKeyToPem writes `key` as PKCS#8 PEM: unencrypted, or with a
// non-empty `passphrase` encrypted (PBES2: scrypt N=2^14 r=8 p=1, the
// interactive-use parameters OpenSSL decrypts within its default memory
// limit, and AES-256-CBC).
[[nodiscard]] absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key,
                                                          const std::string* passphrase = nullptr);

// Hkdf returns `size` bytes of HKDF-SHA256 (RFC 5869) of `secret`.
[[nodiscard]] absl::StatusOr<std::string> Hkdf(absl::string_view secret, absl::string_view salt,
                                               absl::string_view info, size_t size);

// Sha256 returns the 32-byte SHA-256 of `data`.
std::string Sha256(absl::string_view data);

}  // namespace authnet::crypto
