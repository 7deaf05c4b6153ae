#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/crypto/openssl_util.h"

namespace authnet::crypto {

// IssuedCertificate is a freshly issued leaf certificate and its private key,
// both PEM. `key_pem` is unencrypted PKCS#8: store it with mode 0600.
struct IssuedCertificate {
  std::string cert_pem;
  std::string key_pem;
};

// MemberIdentity is what a member certificate's URI SAN
// spiffe://NETWORK/member/ID says.
struct MemberIdentity {
  std::string network;
  std::string member_id;
};

// CertificateAuthority is a network's single-tier CA: an ECDSA P-256 key and
// a self-signed root (basicConstraints critical CA:TRUE pathlen:0, keyUsage
// keyCertSign+cRLSign, CN "authnet NETWORK root", 10 years) that signs every
// member's TLS certificate directly. Validity is measured from the system
// clock. Immutable once made; thread-safe.
//
//   absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create("acme-net");
//   absl::StatusOr<IssuedCertificate> leaf = ca->IssueMemberCertificate("acme-net", "shop-a");
class CertificateAuthority {
 public:
  static constexpr int kDefaultMemberValidityDays = 397;

  // Create makes a fresh CA for `network` (a valid network name, else
  // INVALID_ARGUMENT).
  [[nodiscard]] static absl::StatusOr<CertificateAuthority> Create(absl::string_view network);

  // FromPem loads a CA from its certificate and private key. Fails with
  // INVALID_ARGUMENT if either does not parse, the certificate is not a CA,
  // or the key is not the certificate's.
  [[nodiscard]] static absl::StatusOr<CertificateAuthority> FromPem(absl::string_view cert_pem,
                                                                    absl::string_view key_pem);

  // IssueMemberCertificate generates a P-256 key and a leaf certificate for
  // `member_id` of `network` valid for `validity_days` from now: CN = id,
  // exactly one URI SAN spiffe://NETWORK/member/ID, CA:FALSE, keyUsage
  // digitalSignature, extendedKeyUsage serverAuth+clientAuth, a random
  // positive 128-bit serial, and the CA's key identifier. INVALID_ARGUMENT on
  // a bad network name, member id or validity.
  [[nodiscard]] absl::StatusOr<IssuedCertificate> IssueMemberCertificate(
      absl::string_view network, absl::string_view member_id,
      int validity_days = kDefaultMemberValidityDays) const;

  // IssueFromRequest issues the certificate IssueMemberCertificate would,
  // for the public key of the PKCS#10 request `csr_der` (DER), which must
  // be an ECDSA P-256 key that signed the request. Only the key is taken
  // from the request: names and extensions are the CA's. Returns the
  // certificate PEM; INVALID_ARGUMENT naming what is wrong.
  [[nodiscard]] absl::StatusOr<std::string> IssueFromRequest(
      absl::string_view network, absl::string_view member_id, absl::string_view csr_der,
      int validity_days = kDefaultMemberValidityDays) const;

  const std::string& cert_pem() const { return cert_pem_; }
  // key_pem is the CA's private key (unencrypted PKCS#8 PEM): store it 0600.
  const std::string& key_pem() const { return key_pem_; }
  // common_name is the CA certificate's subject CN, "authnet NETWORK root".
  const std::string& common_name() const { return common_name_; }

 private:
  absl::StatusOr<std::string> IssueForKey(absl::string_view network, absl::string_view member_id,
                                          EVP_PKEY* key, int validity_days) const;

  CertificateAuthority(std::shared_ptr<X509> cert, std::shared_ptr<EVP_PKEY> key,
                       std::string cert_pem, std::string key_pem, std::string common_name)
      : cert_(std::move(cert)),
        key_(std::move(key)),
        cert_pem_(std::move(cert_pem)),
        key_pem_(std::move(key_pem)),
        common_name_(std::move(common_name)) {}

  std::shared_ptr<X509> cert_;
  std::shared_ptr<EVP_PKEY> key_;
  std::string cert_pem_;
  std::string key_pem_;
  std::string common_name_;
};

// GenerateTlsKeyPem returns a fresh ECDSA P-256 private key, unencrypted
// PKCS#8 PEM: a member's TLS key (store it with mode 0600).
[[nodiscard]] absl::StatusOr<std::string> GenerateTlsKeyPem();

// MakeCertificateRequest returns a PKCS#10 request (DER) for the private key
// `key_pem`, CN = member id, signed by that key.
[[nodiscard]] absl::StatusOr<std::string> MakeCertificateRequest(absl::string_view key_pem,
                                                                 absl::string_view network,
                                                                 absl::string_view member_id);

// CertificateRequestKey parses a DER PKCS#10 request, checks its signature
// under its own key and that the key is ECDSA P-256, and returns the key.
// INVALID_ARGUMENT otherwise. Thread-safe.
[[nodiscard]] absl::StatusOr<EvpPkeyPtr> CertificateRequestKey(absl::string_view csr_der);

// CaCommonName returns "authnet NETWORK root", the CN of a network's CA.
std::string CaCommonName(absl::string_view network);

// MemberSpiffeId returns "spiffe://NETWORK/member/ID".
std::string MemberSpiffeId(absl::string_view network, absl::string_view member_id);

// CertificateSha256 returns the 32-byte SHA-256 of the certificate's DER
// form: the fingerprint a roster holds. INVALID_ARGUMENT if `cert_pem` does
// not parse. Thread-safe.
[[nodiscard]] absl::StatusOr<std::string> CertificateSha256(absl::string_view cert_pem);

// CertificateNotAfterUnix returns when the certificate expires (its
// notAfter), in unix seconds. INVALID_ARGUMENT if `cert_pem` does not parse.
// Thread-safe.
[[nodiscard]] absl::StatusOr<int64_t> CertificateNotAfterUnix(absl::string_view cert_pem);

// MemberIdentityFromCertificate reads the certificate's subjectAltName, which
// must hold exactly one name, a URI of the exact form
// spiffe://NETWORK/member/ID with a valid network name and member id.
// INVALID_ARGUMENT otherwise. Thread-safe.
[[nodiscard]] absl::StatusOr<MemberIdentity> MemberIdentityFromCertificate(
    absl::string_view cert_pem);

// MemberIdFromCertificate is MemberIdentityFromCertificate that also requires
// the network to be `network`, and returns the member id. Peer authorization
// relies on it. Thread-safe.
[[nodiscard]] absl::StatusOr<std::string> MemberIdFromCertificate(absl::string_view cert_pem,
                                                                  absl::string_view network);

// VerifyIssuedBy checks that `cert_pem` chains to `ca_pem` (a store holding
// only that CA, purpose any, strict X.509 checks, current time). OK or
// INVALID_ARGUMENT with OpenSSL's reason. Thread-safe.
[[nodiscard]] absl::Status VerifyIssuedBy(absl::string_view cert_pem, absl::string_view ca_pem);

// KeyMatchesCertificate checks that the PEM private key `key_pem` belongs to
// `cert_pem`. OK or INVALID_ARGUMENT. Thread-safe.
[[nodiscard]] absl::Status KeyMatchesCertificate(absl::string_view key_pem,
                                                 absl::string_view cert_pem);

}  // namespace authnet::crypto
