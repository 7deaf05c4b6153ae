#include "node/crypto/certificate_authority.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <cstring>
#include <ctime>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/core/member_id.h"

namespace authnet::crypto {
namespace {

constexpr int kCaValidityDays = 3650;
constexpr int kMaxValidityDays = 3650;
// Certificates start slightly in the past so a peer whose clock lags a
// little does not refuse a certificate issued a moment ago.
constexpr long kBackdateSeconds = 300;
constexpr absl::string_view kSpiffePrefix = "spiffe://";
constexpr absl::string_view kMemberPath = "/member/";

absl::Status Invalid(absl::string_view what) { return absl::InvalidArgumentError(what); }

absl::StatusOr<X509Ptr> ParseCertificate(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return OpenSslError("reading a certificate");
  }
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    ERR_clear_error();
    return Invalid("not a PEM certificate");
  }
  return cert;
}

absl::StatusOr<EvpPkeyPtr> GenerateP256Key() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (key == nullptr) {
    return OpenSslError("generating a P-256 key");
  }
  return key;
}

absl::StatusOr<std::string> CertificateToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslError("writing a certificate");
  }
  return BioToString(bio.get());
}

// SetRandomSerial gives `cert` a random positive 128-bit serial number.
absl::Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return OpenSslError("generating a serial number");
  }
  bytes[0] &= 0x7f;  // positive in DER's two's complement
  bytes[0] |= 0x40;  // never zero, always 16 bytes long
  BignumPtr bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (bn == nullptr) {
    return OpenSslError("making a serial number");
  }
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (serial == nullptr || X509_set_serialNumber(cert, serial.get()) != 1) {
    return OpenSslError("setting a serial number");
  }
  return absl::OkStatus();
}

absl::Status SetValidity(X509* cert, int days) {
  if (X509_gmtime_adj(X509_getm_notBefore(cert), -kBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, nullptr) == nullptr) {
    return OpenSslError("setting a validity period");
  }
  return absl::OkStatus();
}

absl::Status SetSubjectCommonName(X509* cert, absl::string_view cn) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (name == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1) {
    return OpenSslError("setting a subject name");
  }
  return absl::OkStatus();
}

// AddExtension adds one extension in OpenSSL's config syntax, e.g.
// (NID_basic_constraints, "critical,CA:TRUE"). `issuer` is the signing cert.
absl::Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(absl::StrCat("adding extension ", OBJ_nid2sn(nid)));
  }
  return absl::OkStatus();
}

std::string CommonNameOf(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int index = name == nullptr ? -1 : X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) {
    return "";
  }
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  if (data == nullptr) {
    return "";
  }
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

// NewCertificate makes an unsigned v3 certificate with a random serial,
// validity, subject CN and public key; its issuer is `issuer` or itself.
absl::StatusOr<X509Ptr> NewCertificate(X509* issuer, EVP_PKEY* subject_key, absl::string_view cn,
                                       int days) {
  X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError("making a certificate");
  }
  if (absl::Status s = SetRandomSerial(cert.get()); !s.ok()) {
    return s;
  }
  if (absl::Status s = SetValidity(cert.get(), days); !s.ok()) {
    return s;
  }
  if (absl::Status s = SetSubjectCommonName(cert.get(), cn); !s.ok()) {
    return s;
  }
  X509_NAME* issuer_name = X509_get_subject_name(issuer != nullptr ? issuer : cert.get());
  if (X509_set_issuer_name(cert.get(), issuer_name) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return OpenSslError("making a certificate");
  }
  return cert;
}

}  // namespace

std::string CaCommonName(absl::string_view network) {
  return absl::StrCat("authnet ", (network), " root");
}

std::string MemberSpiffeId(absl::string_view network, absl::string_view member_id) {
  return absl::StrCat(kSpiffePrefix, (network), kMemberPath, (member_id));
}

absl::StatusOr<CertificateAuthority> CertificateAuthority::Create(absl::string_view network) {
  if (!IsValidNetworkName(network)) {
    return Invalid("network: must match [a-z0-9][a-z0-9-]{2,31}");
  }
  absl::StatusOr<EvpPkeyPtr> key = GenerateP256Key();
  if (!key.ok()) {
    return key.status();
  }
  std::string cn = CaCommonName(network);
  absl::StatusOr<X509Ptr> cert = NewCertificate(nullptr, key->get(), cn, kCaValidityDays);
  if (!cert.ok()) {
    return cert.status();
  }
  X509* x = cert->get();
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (absl::Status s = AddExtension(x, x, nid, value); !s.ok()) {
      return s;
    }
  }
  if (X509_sign(x, key->get(), EVP_sha256()) <= 0) {
    return OpenSslError("signing the CA certificate");
  }
  absl::StatusOr<std::string> cert_pem = CertificateToPem(x);
  absl::StatusOr<std::string> key_pem = PrivateKeyToPem(key->get());
  if (!cert_pem.ok()) {
    return cert_pem.status();
  }
  if (!key_pem.ok()) {
    return key_pem.status();
  }
  return CertificateAuthority(std::shared_ptr<X509>(cert->release(), X509_free),
                              std::shared_ptr<EVP_PKEY>(key->release(), EVP_PKEY_free),
                              *std::move(cert_pem), *std::move(key_pem), std::move(cn));
}

absl::StatusOr<CertificateAuthority> CertificateAuthority::FromPem(absl::string_view cert_pem,
                                                                   absl::string_view key_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCertificate(cert_pem);
  if (!cert.ok()) {
    return cert.status();
  }
  absl::StatusOr<EvpPkeyPtr> key = ParsePrivateKeyPem(key_pem);
  if (!key.ok()) {
    return key.status();
  }
  // X509_check_ca: 1 for a v3 certificate with CA:TRUE in basicConstraints.
  if (X509_check_ca(cert->get()) != 1) {
    return Invalid("the certificate is not a CA certificate");
  }
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return Invalid("the private key does not belong to the CA certificate");
  }
  std::string cn = CommonNameOf(cert->get());
  return CertificateAuthority(std::shared_ptr<X509>(cert->release(), X509_free),
                              std::shared_ptr<EVP_PKEY>(key->release(), EVP_PKEY_free),
                              std::string(cert_pem), std::string(key_pem), std::move(cn));
}

absl::StatusOr<std::string> CertificateAuthority::IssueForKey(absl::string_view network,
                                                              absl::string_view member_id,
                                                              EVP_PKEY* key,
                                                              int validity_days) const {
  if (!IsValidNetworkName(network)) {
    return Invalid("network: must match [a-z0-9][a-z0-9-]{2,31}");
  }
  if (!IsValidMemberId(member_id)) {
    return Invalid("member id: must match [a-z0-9][a-z0-9-]{2,31}");
  }
  if (validity_days < 1 || validity_days > kMaxValidityDays) {
    return Invalid(absl::StrCat("validity: must be 1..", kMaxValidityDays, " days"));
  }
  absl::StatusOr<X509Ptr> cert = NewCertificate(cert_.get(), key, member_id, validity_days);
  if (!cert.ok()) {
    return cert.status();
  }
  X509* x = cert->get();
  // The network name and member id were validated above, so they cannot
  // inject anything into OpenSSL's config syntax.
  std::string san = absl::StrCat("URI:", MemberSpiffeId(network, member_id));
  for (auto [nid, value] :
       {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair<int, std::string>{NID_key_usage, "critical,digitalSignature"},
        std::pair<int, std::string>{NID_ext_key_usage, "serverAuth,clientAuth"},
        std::pair<int, std::string>{NID_subject_alt_name, san},
        std::pair<int, std::string>{NID_subject_key_identifier, "hash"},
        std::pair<int, std::string>{NID_authority_key_identifier, "keyid:always"}}) {
    if (absl::Status s = AddExtension(x, cert_.get(), nid, value); !s.ok()) {
      return s;
    }
  }
  if (X509_sign(x, key_.get(), EVP_sha256()) <= 0) {
    return OpenSslError("signing a member certificate");
  }
  return CertificateToPem(x);
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::IssueMemberCertificate(
    absl::string_view network, absl::string_view member_id, int validity_days) const {
  absl::StatusOr<EvpPkeyPtr> key = GenerateP256Key();
  if (!key.ok()) {
    return key.status();
  }
  absl::StatusOr<std::string> cert_pem = IssueForKey(network, member_id, key->get(), validity_days);
  if (!cert_pem.ok()) {
    return cert_pem.status();
  }
  absl::StatusOr<std::string> key_pem = PrivateKeyToPem(key->get());
  if (!key_pem.ok()) {
    return key_pem.status();
  }
  return IssuedCertificate{*std::move(cert_pem), *std::move(key_pem)};
}

absl::StatusOr<std::string> CertificateAuthority::IssueFromRequest(absl::string_view network,
                                                                   absl::string_view member_id,
                                                                   absl::string_view csr_der,
                                                                   int validity_days) const {
  absl::StatusOr<EvpPkeyPtr> key = CertificateRequestKey(csr_der);
  if (!key.ok()) {
    return key.status();
  }
  return IssueForKey(network, member_id, key->get(), validity_days);
}

absl::StatusOr<std::string> GenerateTlsKeyPem() {
  absl::StatusOr<EvpPkeyPtr> key = GenerateP256Key();
  if (!key.ok()) {
    return key.status();
  }
  return PrivateKeyToPem(key->get());
}

absl::StatusOr<std::string> MakeCertificateRequest(absl::string_view key_pem,
                                                   absl::string_view network,
                                                   absl::string_view member_id) {
  if (!IsValidNetworkName(network) || !IsValidMemberId(member_id)) {
    return Invalid("network and member id must match [a-z0-9][a-z0-9-]{2,31}");
  }
  absl::StatusOr<EvpPkeyPtr> key = ParsePrivateKeyPem(key_pem);
  if (!key.ok()) {
    return key.status();
  }
  X509ReqPtr req(X509_REQ_new());
  if (req == nullptr || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_pubkey(req.get(), key->get()) != 1) {
    return OpenSslError("making a certificate request");
  }
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  if (name == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(member_id.data()),
                                 static_cast<int>(member_id.size()), -1, 0) != 1) {
    return OpenSslError("naming a certificate request");
  }
  if (X509_REQ_sign(req.get(), key->get(), EVP_sha256()) <= 0) {
    return OpenSslError("signing a certificate request");
  }
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0 || der == nullptr) {
    return OpenSslError("encoding a certificate request");
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

absl::StatusOr<EvpPkeyPtr> CertificateRequestKey(absl::string_view csr_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(csr_der.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(csr_der.size())));
  if (req == nullptr ||
      p != reinterpret_cast<const unsigned char*>(csr_der.data()) + csr_der.size()) {
    ERR_clear_error();
    return Invalid("the certificate request is not a DER PKCS#10 request");
  }
  EvpPkeyPtr key(X509_REQ_get_pubkey(req.get()));
  if (key == nullptr) {
    ERR_clear_error();
    return Invalid("the certificate request holds no usable public key");
  }
  // Proof of possession of the TLS key: the request is signed by it.
  if (X509_REQ_verify(req.get(), key.get()) != 1) {
    ERR_clear_error();
    return Invalid("the certificate request's signature does not verify under its own key");
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_EC || !EVP_PKEY_is_a(key.get(), "EC")) {
    return Invalid("the certificate request's key must be an ECDSA P-256 key");
  }
  char group[32] = {};
  size_t group_len = 0;
  if (EVP_PKEY_get_group_name(key.get(), group, sizeof(group), &group_len) != 1 ||
      absl::string_view(group, group_len) != "prime256v1") {
    ERR_clear_error();
    return Invalid("the certificate request's key must be an ECDSA P-256 key");
  }
  return key;
}

absl::StatusOr<int64_t> CertificateNotAfterUnix(absl::string_view cert_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCertificate(cert_pem);
  if (!cert.ok()) {
    return cert.status();
  }
  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert->get()), &tm) != 1) {
    ERR_clear_error();
    return Invalid("the certificate's notAfter is not a valid time");
  }
  return static_cast<int64_t>(timegm(&tm));
}

absl::StatusOr<std::string> CertificateSha256(absl::string_view cert_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCertificate(cert_pem);
  if (!cert.ok()) {
    return cert.status();
  }
  unsigned char* der = nullptr;
  int len = i2d_X509(cert->get(), &der);
  if (len <= 0 || der == nullptr) {
    return OpenSslError("encoding a certificate");
  }
  std::string digest = Sha256(absl::string_view(reinterpret_cast<const char*>(der), len));
  OPENSSL_free(der);
  return digest;
}

absl::StatusOr<MemberIdentity> MemberIdentityFromCertificate(absl::string_view cert_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCertificate(cert_pem);
  if (!cert.ok()) {
    return cert.status();
  }
  int critical = 0;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert->get(), NID_subject_alt_name, &critical, nullptr)));
  if (names == nullptr) {
    ERR_clear_error();
    // -1: no extension; -2: it appears more than once; otherwise it did not parse.
    return Invalid(critical == -2 ? "certificate has more than one subjectAltName extension"
                                  : "certificate has no subjectAltName");
  }
  if (sk_GENERAL_NAME_num(names.get()) != 1) {
    return Invalid("certificate's subjectAltName must hold exactly one name");
  }
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), 0);
  if (name->type != GEN_URI) {
    return Invalid("certificate's subjectAltName is not a URI");
  }
  const ASN1_IA5STRING* uri_string = name->d.uniformResourceIdentifier;
  absl::string_view uri(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri_string)),
                        static_cast<size_t>(ASN1_STRING_length(uri_string)));
  constexpr absl::string_view kExpected = "must be spiffe://NETWORK/member/ID";
  if (!absl::StartsWith(uri, kSpiffePrefix)) {
    return Invalid(absl::StrCat("certificate's URI SAN ", kExpected));
  }
  absl::string_view rest = uri.substr(kSpiffePrefix.size());
  size_t slash = rest.find('/');
  if (slash == absl::string_view::npos || !absl::StartsWith(rest.substr(slash), kMemberPath)) {
    return Invalid(absl::StrCat("certificate's URI SAN ", kExpected));
  }
  absl::string_view network = rest.substr(0, slash);
  absl::string_view id = rest.substr(slash + kMemberPath.size());
  // The character rules also exclude NUL, '/', '?', '#', '%' and upper case,
  // so no two distinct URIs can name the same member.
  if (!IsValidNetworkName((network))) {
    return Invalid("certificate's URI SAN has an invalid network name");
  }
  if (!IsValidMemberId((id))) {
    return Invalid("certificate's URI SAN has an invalid member id");
  }
  return MemberIdentity{std::string(network), std::string(id)};
}

absl::StatusOr<std::string> MemberIdFromCertificate(absl::string_view cert_pem,
                                                    absl::string_view network) {
  absl::StatusOr<MemberIdentity> identity = MemberIdentityFromCertificate(cert_pem);
  if (!identity.ok()) {
    return identity.status();
  }
  if (identity->network != network) {
    return Invalid(absl::StrCat("certificate is for network \"", identity->network,
                                "\", expected \"", (network), "\""));
  }
  return std::move(identity->member_id);
}

absl::Status VerifyIssuedBy(absl::string_view cert_pem, absl::string_view ca_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCertificate(cert_pem);
  if (!cert.ok()) {
    return cert.status();
  }
  absl::StatusOr<X509Ptr> ca = ParseCertificate(ca_pem);
  if (!ca.ok()) {
    return Invalid(absl::StrCat("CA: ", ca.status().message()));
  }
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (store == nullptr || ctx == nullptr || X509_STORE_add_cert(store.get(), ca->get()) != 1 ||
      X509_STORE_set_flags(store.get(), X509_V_FLAG_X509_STRICT) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY) != 1) {
    return OpenSslError("setting up certificate verification");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return Invalid(absl::StrCat("certificate does not verify against the CA: ",
                                X509_verify_cert_error_string(error)));
  }
  return absl::OkStatus();
}

absl::Status KeyMatchesCertificate(absl::string_view key_pem, absl::string_view cert_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCertificate(cert_pem);
  if (!cert.ok()) {
    return cert.status();
  }
  absl::StatusOr<EvpPkeyPtr> key = ParsePrivateKeyPem(key_pem);
  if (!key.ok()) {
    return key.status();
  }
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return Invalid("the private key does not belong to the certificate");
  }
  return absl::OkStatus();
}

}  // namespace authnet::crypto
