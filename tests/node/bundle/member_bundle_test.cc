#include "node/bundle/member_bundle.h"

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "node/crypto/certificate_authority.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class MemberBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<AdminDir> admin = AdminDir::Init(tmp_ / "admin", "acme-net");
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_.emplace(*std::move(admin));
    bundle_ = tmp_ / "shop-a";
    ASSERT_TRUE(admin_->AddMember("shop-a", "shop-a.example:7443", {1.0}, bundle_).ok());
  }

  std::string Read(const char* name) { return *ReadFile(bundle_ / name); }
  void Write(const char* name, const std::string& data, mode_t mode = 0600) {
    ASSERT_TRUE(WriteFileAtomically(bundle_ / name, data, mode).ok());
  }
  // LoadError is Load's error message; the test fails if Load succeeds or
  // the error is not a one-line FAILED_PRECONDITION naming the bundle.
  std::string LoadError() {
    absl::StatusOr<MemberBundle> b = MemberBundle::Load(bundle_);
    EXPECT_EQ(b.status().code(), absl::StatusCode::kFailedPrecondition);
    std::string message(b.status().message());
    EXPECT_THAT(message, StartsWith("bundle " + bundle_.string() + ": "));
    EXPECT_EQ(message.find('\n'), std::string::npos);
    return message;
  }

  testing::TempDir tmp_;
  std::optional<AdminDir> admin_;
  fs::path bundle_;
};

TEST_F(MemberBundleTest, LoadsAFreshBundle) {
  absl::StatusOr<MemberBundle> b = MemberBundle::Load(bundle_);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->network(), "acme-net");
  EXPECT_EQ(b->member_id(), "shop-a");
  EXPECT_EQ(b->ca_pem(), admin_->ca().cert_pem());
  EXPECT_EQ(b->roster().admins().keys, std::vector<std::string>{admin_->admin_public_key()});
  EXPECT_EQ(b->roster().version(), 2u);
  ASSERT_NE(b->roster().Find("shop-a"), nullptr);
  EXPECT_EQ(b->roster().Find("shop-a")->signing_public_key(), b->signing_key().PublicKey());
  EXPECT_EQ(b->network_keys().CurrentEpoch(), 1u);
  EXPECT_TRUE(crypto::KeyMatchesCertificate(b->key_pem(), b->cert_pem()).ok());
}

TEST_F(MemberBundleTest, MissingDirectory) {
  bundle_ = tmp_ / "nope";
  // Most often a mistyped path: the hint says to check it before enrolling.
  std::string error = LoadError();
  EXPECT_THAT(error, HasSubstr("nope: no such directory; check the path, or"));
  EXPECT_LT(error.find("check the path"), error.find("member keygen")) << error;
}

TEST_F(MemberBundleTest, MissingFiles) {
  for (const char* name :
       {"ca.crt", "node.crt", "node.key", "signing.key", "sealing.key", "admin.pub", "roster.pb"}) {
    SCOPED_TRACE(name);
    std::string saved = Read(name);
    fs::remove(bundle_ / name);
    EXPECT_THAT(LoadError(), HasSubstr(std::string(name) + " is missing"));
    Write(name, saved);
  }
  EXPECT_TRUE(MemberBundle::Load(bundle_).ok());
}

TEST_F(MemberBundleTest, SecretReadableByOthers) {
  fs::permissions(bundle_ / "node.key", fs::perms(0644));
  EXPECT_EQ(LoadError(), "bundle " + bundle_.string() +
                             ": node.key is readable by group or others (mode 0644); chmod 600 it");
  fs::permissions(bundle_ / "node.key", fs::perms(0600));
  fs::permissions(bundle_ / "signing.key", fs::perms(0640));
  EXPECT_THAT(LoadError(), HasSubstr("signing.key is readable by group or others (mode 0640)"));
  fs::permissions(bundle_ / "signing.key", fs::perms(0600));
  fs::permissions(bundle_ / "sealing.key", fs::perms(0604));
  EXPECT_THAT(LoadError(), HasSubstr("sealing.key is readable"));
  fs::permissions(bundle_ / "sealing.key", fs::perms(0400));
  EXPECT_TRUE(MemberBundle::Load(bundle_).ok());  // stricter than 0600 is fine
}

TEST_F(MemberBundleTest, DamagedPem) {
  std::string cert = Read("node.crt");
  Write("node.crt", cert.substr(0, cert.size() / 2), 0644);
  EXPECT_THAT(LoadError(), HasSubstr("node.crt is damaged"));
  Write("node.crt", cert, 0644);

  Write("ca.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 0644);
  EXPECT_THAT(LoadError(), HasSubstr("ca.crt is damaged"));
  Write("ca.crt", admin_->ca().cert_pem(), 0644);

  Write("signing.key", "junk");
  EXPECT_THAT(LoadError(), HasSubstr("signing.key is damaged"));
  Write("signing.key", Read("node.key"));  // a P-256 key is not an Ed25519 key
  EXPECT_THAT(LoadError(), HasSubstr("signing.key is damaged (not an Ed25519 key)"));
}

TEST_F(MemberBundleTest, NodeCertFromAnotherNetworksCa) {
  absl::StatusOr<AdminDir> other = AdminDir::Init(tmp_ / "other", "acme-net");
  ASSERT_TRUE(other.ok());
  absl::StatusOr<crypto::IssuedCertificate> foreign =
      other->ca().IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(foreign.ok());
  Write("node.crt", foreign->cert_pem, 0644);
  Write("node.key", foreign->key_pem);
  EXPECT_THAT(LoadError(), HasSubstr("node.crt is not valid under ca.crt"));
}

TEST_F(MemberBundleTest, KeyOfAnotherCertificate) {
  absl::StatusOr<crypto::IssuedCertificate> again =
      admin_->ca().IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(again.ok());
  Write("node.key", again->key_pem);
  EXPECT_THAT(LoadError(), HasSubstr("node.crt does not belong to node.key"));
}

TEST_F(MemberBundleTest, CertNotTheOneInTheRoster) {
  // Same CA, same member id, but not the certificate the admin enrolled.
  absl::StatusOr<crypto::IssuedCertificate> again =
      admin_->ca().IssueMemberCertificate("acme-net", "shop-a");
  ASSERT_TRUE(again.ok());
  Write("node.crt", again->cert_pem, 0644);
  Write("node.key", again->key_pem);
  EXPECT_THAT(LoadError(), HasSubstr("node.crt is not the certificate roster.pb lists"));
}

TEST_F(MemberBundleTest, RosterNotListingTheMember) {
  absl::StatusOr<crypto::IssuedCertificate> stranger =
      admin_->ca().IssueMemberCertificate("acme-net", "shop-z");
  ASSERT_TRUE(stranger.ok());
  Write("node.crt", stranger->cert_pem, 0644);
  Write("node.key", stranger->key_pem);
  EXPECT_THAT(LoadError(), HasSubstr("does not list member \"shop-z\""));
}

TEST_F(MemberBundleTest, SigningKeyNotTheOneInTheRoster) {
  absl::StatusOr<crypto::Ed25519Key> key = crypto::Ed25519Key::Generate();
  Write("signing.key", *key->ToPem());
  EXPECT_THAT(LoadError(), HasSubstr("signing.key is not the key roster.pb lists"));
}

TEST_F(MemberBundleTest, TamperedRoster) {
  std::string roster = Read("roster.pb");
  for (size_t i : {size_t{2}, roster.size() / 2, roster.size() - 1}) {
    SCOPED_TRACE(i);
    std::string flipped = roster;
    flipped[i] ^= 0x01;
    Write("roster.pb", flipped, 0644);
    EXPECT_THAT(LoadError(), HasSubstr("roster.pb"));
  }
}

TEST_F(MemberBundleTest, RosterSignedByAnotherAdmin) {
  absl::StatusOr<AdminDir> other = AdminDir::Init(tmp_ / "other", "acme-net");
  ASSERT_TRUE(other.ok());
  Write("admin.pub", *AdminKeysPem({other->admin_public_key()}), 0644);
  EXPECT_THAT(LoadError(), HasSubstr("roster.pb is signed by another admin set than admin.pub"));
}

TEST_F(MemberBundleTest, SealingKeyNotTheOneInTheRoster) {
  absl::StatusOr<crypto::X25519Key> key = crypto::X25519Key::Generate();
  Write("sealing.key", *key->ToPem());
  EXPECT_THAT(LoadError(), HasSubstr("lists another sealing key"));
}

TEST_F(MemberBundleTest, SealedKeyThatDoesNotOpen) {
  v1::SignedRoster signed_roster;
  ASSERT_TRUE(signed_roster.ParseFromString(Read("roster.pb")));
  v1::RosterBody body;
  ASSERT_TRUE(body.ParseFromString(signed_roster.body()));
  std::string* sealed = body.mutable_members(0)->mutable_network_keys(0)->mutable_sealed();
  (*sealed)[sealed->size() - 1] ^= 0x01;
  absl::StatusOr<crypto::Ed25519Key> admin_key =
      crypto::Ed25519Key::FromPem(*ReadFile(tmp_ / "admin" / "admin-1.key"));
  Write("roster.pb", Roster::Sign(body, *admin_key)->SerializeAsString(), 0644);
  EXPECT_THAT(LoadError(),
              HasSubstr("the network key of epoch 1 sealed to \"shop-a\" does not open"));
}

TEST_F(MemberBundleTest, StaleRosterFromBeforeEnrollment) {
  // roster.pb of version 1 (before shop-a joined) is validly signed but
  // does not list the member.
  v1::RosterBody v1_body;
  v1_body.set_network("acme-net");
  v1_body.set_version(1);
  absl::StatusOr<crypto::Ed25519Key> admin_key =
      crypto::Ed25519Key::FromPem(*ReadFile(tmp_ / "admin" / "admin-1.key"));
  v1_body.add_admin_keys(admin_key->PublicKey());
  v1_body.set_admin_threshold(1);
  absl::StatusOr<v1::SignedRoster> old = Roster::Sign(v1_body, *admin_key);
  ASSERT_TRUE(old.ok());
  Write("roster.pb", old->SerializeAsString(), 0644);
  EXPECT_THAT(LoadError(), HasSubstr("roster.pb (version 1) does not list member \"shop-a\""));
}

}  // namespace
}  // namespace authnet
