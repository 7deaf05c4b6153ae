#include "node/crypto/certificate_authority.h"

#include <openssl/x509v3.h>

#include <ctime>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace authnet::crypto {
namespace {

using ::testing::HasSubstr;

X509Ptr Parse(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// ExtensionText renders one extension as `openssl x509 -text` would.
std::string ExtensionText(X509* cert, int nid, bool* critical = nullptr) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  if (index < 0) {
    return "<absent>";
  }
  X509_EXTENSION* ext = X509_get_ext(cert, index);
  if (critical != nullptr) {
    *critical = X509_EXTENSION_get_critical(ext) == 1;
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(X509V3_EXT_print(bio.get(), ext, 0, 0), 1);
  return BioToString(bio.get());
}

std::string SubjectCn(X509* cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof(buf));
  return buf;
}

// DaysValid is notAfter - notBefore in whole days.
int DaysValid(X509* cert) {
  int days = 0;
  int seconds = 0;
  EXPECT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert)),
            1);
  return days;
}

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create("acme-net");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_.emplace(*std::move(ca));
  }
  std::optional<CertificateAuthority> ca_;
};

TEST_F(CertificateAuthorityTest, RootHasCaExtensionsAndName) {
  X509Ptr root = Parse(ca_->cert_pem());
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(X509_get_version(root.get()), X509_VERSION_3);
  EXPECT_EQ(SubjectCn(root.get()), "authnet acme-net root");
  EXPECT_EQ(ca_->common_name(), "authnet acme-net root");
  EXPECT_EQ(X509_check_issued(root.get(), root.get()), X509_V_OK);  // self-signed
  bool critical = false;
  EXPECT_THAT(ExtensionText(root.get(), NID_basic_constraints, &critical),
              HasSubstr("CA:TRUE, pathlen:0"));
  EXPECT_TRUE(critical);
  EXPECT_EQ(ExtensionText(root.get(), NID_key_usage, &critical), "Certificate Sign, CRL Sign");
  EXPECT_TRUE(critical);
  EXPECT_NE(ExtensionText(root.get(), NID_subject_key_identifier), "<absent>");
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(root.get())), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(root.get())), 256);
  EXPECT_EQ(DaysValid(root.get()), 3650);
}

TEST_F(CertificateAuthorityTest, RejectsBadNetworkName) {
  EXPECT_EQ(CertificateAuthority::Create("Acme").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CertificateAuthority::Create("a/b").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CertificateAuthorityTest, MemberCertificateHasExactProfile) {
  absl::StatusOr<IssuedCertificate> leaf = ca_->IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  X509Ptr cert = Parse(leaf->cert_pem);
  X509Ptr root = Parse(ca_->cert_pem());
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(SubjectCn(cert.get()), "shop-a");
  EXPECT_EQ(X509_check_issued(root.get(), cert.get()), X509_V_OK);
  bool critical = false;
  EXPECT_EQ(ExtensionText(cert.get(), NID_basic_constraints, &critical), "CA:FALSE");
  EXPECT_TRUE(critical);
  EXPECT_EQ(ExtensionText(cert.get(), NID_key_usage), "Digital Signature");
  EXPECT_EQ(ExtensionText(cert.get(), NID_ext_key_usage),
            "TLS Web Server Authentication, TLS Web Client Authentication");
  EXPECT_EQ(ExtensionText(cert.get(), NID_subject_alt_name), "URI:spiffe://acme-net/member/shop-a");
  // The authority key id is the root's subject key id.
  EXPECT_THAT(ExtensionText(cert.get(), NID_authority_key_identifier),
              HasSubstr(absl::StrCat(ExtensionText(root.get(), NID_subject_key_identifier))));
  EXPECT_EQ(DaysValid(cert.get()), 397);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);

  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  EXPECT_FALSE(BN_is_negative(bn.get()));
  EXPECT_GT(BN_num_bits(bn.get()), 120);
  EXPECT_LE(BN_num_bits(bn.get()), 128);

  EXPECT_TRUE(VerifyIssuedBy(leaf->cert_pem, ca_->cert_pem()).ok());
  EXPECT_TRUE(KeyMatchesCertificate(leaf->key_pem, leaf->cert_pem).ok());
}

TEST_F(CertificateAuthorityTest, SerialsAndKeysAreFresh) {
  absl::StatusOr<IssuedCertificate> a = ca_->IssueMemberCertificate("acme-net", "shop-a");
  absl::StatusOr<IssuedCertificate> b = ca_->IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(a.ok() && b.ok());
  X509Ptr ca = Parse(a->cert_pem);
  X509Ptr cb = Parse(b->cert_pem);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca.get()), X509_get0_serialNumber(cb.get())),
            0);
  EXPECT_NE(a->key_pem, b->key_pem);
  EXPECT_FALSE(KeyMatchesCertificate(a->key_pem, b->cert_pem).ok());
}

TEST_F(CertificateAuthorityTest, IssueValidatesArguments) {
  EXPECT_EQ(ca_->IssueMemberCertificate("acme-net", "A").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ca_->IssueMemberCertificate("acme-net", "shop,URI:x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ca_->IssueMemberCertificate("acme-net", "shop-a", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<IssuedCertificate> short_lived =
      ca_->IssueMemberCertificate("acme-net", "shop-a", 30);
  ASSERT_TRUE(short_lived.ok());
  EXPECT_EQ(DaysValid(Parse(short_lived->cert_pem).get()), 30);
}

TEST_F(CertificateAuthorityTest, FromPemRoundTripsAndChecksKey) {
  absl::StatusOr<CertificateAuthority> loaded =
      CertificateAuthority::FromPem(ca_->cert_pem(), ca_->key_pem());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->common_name(), "authnet acme-net root");
  absl::StatusOr<IssuedCertificate> leaf = loaded->IssueMemberCertificate("acme-net", "shop-b");
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(VerifyIssuedBy(leaf->cert_pem, ca_->cert_pem()).ok());

  absl::StatusOr<CertificateAuthority> other = CertificateAuthority::Create("acme-net");
  ASSERT_TRUE(other.ok());
  absl::Status mismatch = CertificateAuthority::FromPem(ca_->cert_pem(), other->key_pem()).status();
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatch.message(), HasSubstr("does not belong"));
  // A leaf certificate is not a CA.
  EXPECT_THAT(CertificateAuthority::FromPem(leaf->cert_pem, leaf->key_pem).status().message(),
              HasSubstr("not a CA"));
  EXPECT_THAT(CertificateAuthority::FromPem("garbage", ca_->key_pem()).status().message(),
              HasSubstr("not a PEM certificate"));
}

TEST_F(CertificateAuthorityTest, VerifyIssuedByRejectsOtherNetworksCa) {
  absl::StatusOr<CertificateAuthority> other = CertificateAuthority::Create("acme-net");
  ASSERT_TRUE(other.ok());
  absl::StatusOr<IssuedCertificate> leaf = other->IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(leaf.ok());
  absl::Status s = VerifyIssuedBy(leaf->cert_pem, ca_->cert_pem());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("unable to get local issuer certificate"));
  EXPECT_FALSE(VerifyIssuedBy("not pem", ca_->cert_pem()).ok());
  EXPECT_FALSE(VerifyIssuedBy(leaf->cert_pem, "not pem").ok());
}

TEST_F(CertificateAuthorityTest, CertificateSha256IsDerFingerprint) {
  absl::StatusOr<IssuedCertificate> leaf = ca_->IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(leaf.ok());
  X509Ptr cert = Parse(leaf->cert_pem);
  unsigned char md[32];
  unsigned int len = 0;
  ASSERT_EQ(X509_digest(cert.get(), EVP_sha256(), md, &len), 1);
  absl::StatusOr<std::string> fp = CertificateSha256(leaf->cert_pem);
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ(*fp, std::string(reinterpret_cast<char*>(md), len));
  EXPECT_EQ(fp->size(), 32u);
  EXPECT_NE(*fp, *CertificateSha256(ca_->cert_pem()));
  EXPECT_EQ(CertificateSha256("junk").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CertificateAuthorityTest, CertificateNotAfterUnixIsTheNotAfterSecond) {
  absl::StatusOr<IssuedCertificate> leaf = ca_->IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(leaf.ok());
  absl::StatusOr<int64_t> expires = CertificateNotAfterUnix(leaf->cert_pem);
  ASSERT_TRUE(expires.ok()) << expires.status();
  X509Ptr cert = Parse(leaf->cert_pem);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()), *expires), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()), *expires - 1), 1);
  EXPECT_GT(*expires, std::time(nullptr));
  EXPECT_EQ(CertificateNotAfterUnix("junk").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CertificateAuthorityTest, MemberIdFromCertificate) {
  absl::StatusOr<IssuedCertificate> leaf = ca_->IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(leaf.ok());
  absl::StatusOr<std::string> id = MemberIdFromCertificate(leaf->cert_pem, "acme-net");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "shop-a");
  absl::Status wrong = MemberIdFromCertificate(leaf->cert_pem, "other-net").status();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.message(), HasSubstr("\"acme-net\", expected \"other-net\""));
  // The CA itself has no SAN: not a member.
  EXPECT_THAT(MemberIdFromCertificate(ca_->cert_pem(), "acme-net").status().message(),
              HasSubstr("no subjectAltName"));
}

// CertWithSan signs a leaf whose subjectAltName is `san` (OpenSSL config
// syntax) with `ca`, to test what MemberIdFromCertificate refuses.
std::string CertWithSan(const CertificateAuthority& ca, const std::string& san) {
  X509Ptr root = Parse(ca.cert_pem());
  BioPtr kbio(BIO_new_mem_buf(ca.key_pem().data(), static_cast<int>(ca.key_pem().size())));
  EvpPkeyPtr ca_key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr));
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(root.get()));
  X509_set_pubkey(cert.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, root.get(), cert.get(), nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str()));
  EXPECT_NE(ext, nullptr) << san;
  X509_add_ext(cert.get(), ext.get(), -1);
  EXPECT_GT(X509_sign(cert.get(), ca_key.get(), EVP_sha256()), 0);
  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert.get());
  return BioToString(out.get());
}

TEST_F(CertificateAuthorityTest, MemberIdFromCertificateIsStrict) {
  // Sanity check of the helper: a well-formed SAN is accepted.
  EXPECT_EQ(*MemberIdFromCertificate(CertWithSan(*ca_, "URI:spiffe://acme-net/member/shop-a"),
                                     "acme-net"),
            "shop-a");
  for (const char* san : {
           "URI:spiffe://acme-net/member/shop-a,URI:spiffe://acme-net/member/shop-b",
           "URI:spiffe://acme-net/member/shop-a,DNS:shop-a.example",
           "DNS:shop-a.example",
           "URI:https://acme-net/member/shop-a",
           "URI:spiffe://acme-net/member/Shop-A",
           "URI:spiffe://acme-net/member/shop-a/",
           "URI:spiffe://acme-net/member/shop-a?x=1",
           "URI:spiffe://acme-net/node/shop-a",
           "URI:spiffe://acme-net/member/sh",
           "URI:spiffe://acme-net//member/shop-a",
           "URI:spiffe://ACME/member/shop-a",
           "URI:spiffe://acme-net/member/",
       }) {
    SCOPED_TRACE(san);
    absl::StatusOr<std::string> id = MemberIdFromCertificate(CertWithSan(*ca_, san), "acme-net");
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(CertificateAuthorityTest, KeyMatchesCertificateRejectsGarbage) {
  absl::StatusOr<IssuedCertificate> leaf = ca_->IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(leaf.ok());
  EXPECT_THAT(KeyMatchesCertificate("nope", leaf->cert_pem).message(),
              HasSubstr("not a PEM private key"));
  EXPECT_FALSE(KeyMatchesCertificate(ca_->key_pem(), leaf->cert_pem).ok());
}

}  // namespace
}  // namespace authnet::crypto
