#include "node/bundle/roster.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace authnet {
namespace {

using ::testing::HasSubstr;

v1::RosterMember Member(const std::string& id) {
  v1::RosterMember m;
  m.set_id(id);
  m.set_status(v1::MEMBER_STATUS_ACTIVE);
  m.set_endpoint(id + ".example:7443");
  m.set_trust_milli(1000);
  m.set_cert_sha256(std::string(32, 'c'));
  m.set_signing_public_key(std::string(32, 'k'));
  return m;
}

class RosterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<crypto::Ed25519Key> key = crypto::Ed25519Key::Generate();
    ASSERT_TRUE(key.ok());
    admin_.emplace(*std::move(key));
    body_.set_network("acme-net");
    body_.set_version(3);
    body_.add_admin_keys(admin_->PublicKey());
    body_.set_admin_threshold(1);
    *body_.add_members() = Member("shop-a");
    *body_.add_members() = Member("shop-b");
  }

  absl::Status SignAndVerify(const v1::RosterBody& body) {
    absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body, *admin_);
    if (!signed_roster.ok()) {
      return signed_roster.status();
    }
    return Roster::Verify(*signed_roster, admin_->PublicKey(), body.network()).status();
  }

  std::optional<crypto::Ed25519Key> admin_;
  v1::RosterBody body_;
};

TEST_F(RosterTest, SignThenVerifyRoundTrips) {
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body_, *admin_);
  ASSERT_TRUE(signed_roster.ok()) << signed_roster.status();
  ASSERT_EQ(signed_roster->signatures_size(), 1);
  EXPECT_EQ(signed_roster->signatures(0).signature().size(), 64u);
  EXPECT_EQ(signed_roster->signatures(0).public_key(), admin_->PublicKey());
  absl::StatusOr<Roster> roster = Roster::Verify(*signed_roster, admin_->PublicKey(), "acme-net");
  ASSERT_TRUE(roster.ok()) << roster.status();
  EXPECT_EQ(roster->version(), 3u);
  EXPECT_EQ(roster->network(), "acme-net");
  ASSERT_NE(roster->Find("shop-b"), nullptr);
  EXPECT_EQ(roster->Find("shop-b")->endpoint(), "shop-b.example:7443");
  EXPECT_EQ(roster->Find("shop-c"), nullptr);
  EXPECT_EQ(roster->signed_roster().body(), signed_roster->body());
}

TEST_F(RosterTest, SignatureCoversDomainAndBody) {
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body_, *admin_);
  ASSERT_TRUE(signed_roster.ok());
  // The signature is over "authnet/v1/roster\0" + body, exactly.
  EXPECT_TRUE(crypto::VerifyEd25519(admin_->PublicKey(),
                                    std::string("authnet/v1/roster\0", 18) + signed_roster->body(),
                                    signed_roster->signatures(0).signature()));
  EXPECT_FALSE(crypto::VerifyEd25519(admin_->PublicKey(), signed_roster->body(),
                                     signed_roster->signatures(0).signature()));
  // A batch signature over the same bytes is not a roster signature.
  absl::StatusOr<std::string> batch_sig =
      admin_->Sign(std::string("authnet/v1/batch\0", 17) + signed_roster->body());
  v1::SignedRoster forged = *signed_roster;
  forged.mutable_signatures(0)->set_signature(*batch_sig);
  EXPECT_FALSE(Roster::Verify(forged, admin_->PublicKey(), "acme-net").ok());
}

TEST_F(RosterTest, VerifyRejectsTamperingAndWrongKey) {
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body_, *admin_);
  ASSERT_TRUE(signed_roster.ok());
  for (size_t i = 0; i < signed_roster->body().size(); ++i) {
    v1::SignedRoster tampered = *signed_roster;
    (*tampered.mutable_body())[i] ^= 0x01;
    absl::Status s = Roster::Verify(tampered, admin_->PublicKey(), "acme-net").status();
    ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << "byte " << i;
    EXPECT_THAT(std::string(s.message()), HasSubstr("signature"));
  }
  absl::StatusOr<crypto::Ed25519Key> other = crypto::Ed25519Key::Generate();
  EXPECT_FALSE(Roster::Verify(*signed_roster, other->PublicKey(), "acme-net").ok());
  EXPECT_FALSE(Roster::Verify(*signed_roster, "short", "acme-net").ok());
}

TEST_F(RosterTest, VerifyRejectsOtherNetwork) {
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body_, *admin_);
  absl::Status s = Roster::Verify(*signed_roster, admin_->PublicKey(), "other-net").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("\"acme-net\", expected \"other-net\""));
}

TEST_F(RosterTest, VerifyRejectsMalformedEntryEvenWhenSigned) {
  // An admin key signing a bad body directly (not through Sign) is still refused.
  v1::RosterBody bad = body_;
  bad.mutable_members(1)->set_trust_milli(1001);
  v1::SignedRoster signed_roster;
  bad.SerializeToString(signed_roster.mutable_body());
  v1::RosterSignature* sig = signed_roster.add_signatures();
  sig->set_public_key(admin_->PublicKey());
  sig->set_signature(*admin_->Sign(std::string("authnet/v1/roster\0", 18) + signed_roster.body()));
  absl::Status s = Roster::Verify(signed_roster, admin_->PublicKey(), "acme-net").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("trust_milli is 1001"));
}

TEST_F(RosterTest, ValidatesEveryMemberField) {
  struct Case {
    std::string what;
    std::function<void(v1::RosterMember*)> mutate;
    std::string message;
  };
  std::vector<Case> cases = {
      {"bad id", [](v1::RosterMember* m) { m->set_id("Shop_A"); }, "id must match"},
      {"short id", [](v1::RosterMember* m) { m->set_id("ab"); }, "id must match"},
      {"dup id", [](v1::RosterMember* m) { m->set_id("shop-a"); }, "id appears twice"},
      {"status", [](v1::RosterMember* m) { m->set_status(v1::MEMBER_STATUS_UNSPECIFIED); },
       "status is not set"},
      {"trust", [](v1::RosterMember* m) { m->set_trust_milli(5000); }, "trust_milli is 5000"},
      {"cert", [](v1::RosterMember* m) { m->set_cert_sha256("abc"); }, "cert_sha256"},
      {"signing key", [](v1::RosterMember* m) { m->set_signing_public_key(std::string(33, 'k')); },
       "signing_public_key"},
      {"no port", [](v1::RosterMember* m) { m->set_endpoint("host"); }, "no port"},
      {"port 0", [](v1::RosterMember* m) { m->set_endpoint("host:0"); }, "port must be 1..65535"},
      {"port big", [](v1::RosterMember* m) { m->set_endpoint("host:65536"); },
       "port must be 1..65535"},
      {"empty host", [](v1::RosterMember* m) { m->set_endpoint(":80"); }, "empty host"},
      {"bad host", [](v1::RosterMember* m) { m->set_endpoint("ho st:80"); }, "bad character"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::RosterBody body = body_;
    c.mutate(body.mutable_members(1));
    absl::Status s = SignAndVerify(body);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.message));
    EXPECT_THAT(std::string(s.message()), HasSubstr("roster member #1"));
  }
}

TEST_F(RosterTest, AcceptsEdgeValues) {
  v1::RosterBody body = body_;
  body.mutable_members(0)->set_trust_milli(0);
  body.mutable_members(0)->set_endpoint("[::1]:65535");
  body.mutable_members(1)->set_status(v1::MEMBER_STATUS_REVOKED);
  body.mutable_members(1)->set_endpoint("10.0.0.7:1");
  EXPECT_TRUE(SignAndVerify(body).ok()) << SignAndVerify(body);
  v1::RosterBody empty;
  empty.set_network("acme-net");
  empty.set_version(1);
  empty.add_admin_keys(admin_->PublicKey());
  empty.set_admin_threshold(1);
  EXPECT_TRUE(SignAndVerify(empty).ok());
}

// Keys makes `n` admin keys.
std::vector<crypto::Ed25519Key> Keys(int n) {
  std::vector<crypto::Ed25519Key> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(*crypto::Ed25519Key::Generate());
  }
  return out;
}

TEST_F(RosterTest, NeedsTheThresholdOfDistinctAdminSignatures) {
  std::vector<crypto::Ed25519Key> admins = Keys(3);
  v1::RosterBody body = body_;
  body.clear_admin_keys();
  for (const auto& k : admins) {
    body.add_admin_keys(k.PublicKey());
  }
  body.set_admin_threshold(2);
  AdminSet set = AdminSet::Of(body);
  absl::StatusOr<v1::SignedRoster> one = Roster::Sign(body, admins[0]);
  ASSERT_TRUE(one.ok());
  absl::Status s = Roster::Verify(*one, set, "acme-net").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("has 1 valid signature from the 3 admin keys"));
  // The same key twice counts once; an outsider's signature not at all.
  v1::SignedRoster doubled = *one;
  *doubled.add_signatures() = one->signatures(0);
  EXPECT_FALSE(Roster::Verify(doubled, set, "acme-net").ok());
  EXPECT_EQ(Roster::AddSignature(doubled, admins[0]).code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Roster::AddSignature(doubled, *admin_).ok());
  EXPECT_FALSE(Roster::Verify(doubled, set, "acme-net").ok());
  // A second admin completes it.
  ASSERT_TRUE(Roster::AddSignature(*one, admins[2]).ok());
  EXPECT_TRUE(Roster::Verify(*one, set, "acme-net").ok());
  EXPECT_EQ(Roster::CountSignatures(*one, set), 2u);
}

TEST_F(RosterTest, AChangedAdminSetNeedsTheOldThresholdAndItsOwn) {
  std::vector<crypto::Ed25519Key> old_set = Keys(2);
  std::vector<crypto::Ed25519Key> new_keys = Keys(2);
  AdminSet trusted{{old_set[0].PublicKey(), old_set[1].PublicKey()}, 2};
  v1::RosterBody body = body_;
  body.clear_admin_keys();
  body.add_admin_keys(new_keys[0].PublicKey());
  body.add_admin_keys(new_keys[1].PublicKey());
  body.set_admin_threshold(2);
  // The new admins alone cannot take over.
  absl::StatusOr<v1::SignedRoster> by_new = Roster::Sign(body, {&new_keys[0], &new_keys[1]});
  EXPECT_FALSE(Roster::Verify(*by_new, trusted, "acme-net").ok());
  // The old admins alone cannot hand over to keys that did not sign.
  absl::StatusOr<v1::SignedRoster> by_old = Roster::Sign(body, {&old_set[0], &old_set[1]});
  absl::Status s = Roster::Verify(*by_old, trusted, "acme-net").status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("changes the admin set"));
  // Both thresholds: valid.
  absl::StatusOr<v1::SignedRoster> both =
      Roster::Sign(body, {&old_set[0], &old_set[1], &new_keys[0], &new_keys[1]});
  EXPECT_TRUE(Roster::Verify(*both, trusted, "acme-net").ok());
}

TEST_F(RosterTest, ValidatesAdminSetAndKeyEpochs) {
  auto refused = [&](const std::function<void(v1::RosterBody*)>& mutate) {
    v1::RosterBody body = body_;
    mutate(&body);
    return std::string(Roster::ValidateBody(body).message());
  };
  EXPECT_THAT(refused([](v1::RosterBody* b) { b->clear_admin_keys(); }),
              HasSubstr("must name 1 to 32 admin keys"));
  EXPECT_THAT(refused([](v1::RosterBody* b) { b->set_admin_threshold(2); }),
              HasSubstr("admin threshold is 2"));
  EXPECT_THAT(refused([](v1::RosterBody* b) { b->set_admin_threshold(0); }),
              HasSubstr("admin threshold is 0"));
  EXPECT_THAT(refused([](v1::RosterBody* b) { b->add_admin_keys(b->admin_keys(0)); }),
              HasSubstr("appears twice"));
  EXPECT_THAT(refused([](v1::RosterBody* b) { b->add_admin_keys("short"); }),
              HasSubstr("not 32 bytes"));
  EXPECT_THAT(refused([](v1::RosterBody* b) {
                b->add_key_epochs()->set_epoch(2);
                b->add_key_epochs()->set_epoch(2);
              }),
              HasSubstr("distinct and ascending"));
  EXPECT_THAT(refused([](v1::RosterBody* b) {
                b->mutable_members(0)->set_sealing_public_key(std::string(32, 's'));
                b->mutable_members(0)->add_network_keys()->set_epoch(7);
              }),
              HasSubstr("epoch 7 is not one of the roster's key epochs"));
  EXPECT_THAT(refused([](v1::RosterBody* b) {
                b->add_key_epochs()->set_epoch(1);
                b->mutable_members(0)->add_network_keys()->set_epoch(1);
              }),
              HasSubstr("no sealing_public_key"));
}

TEST_F(RosterTest, SignRefusesBadBodies) {
  v1::RosterBody no_version = body_;
  no_version.set_version(0);
  EXPECT_THAT(std::string(Roster::Sign(no_version, *admin_).status().message()),
              HasSubstr("version"));
  v1::RosterBody bad_network = body_;
  bad_network.set_network("Acme Net");
  EXPECT_EQ(Roster::Sign(bad_network, *admin_).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MemberIdTest, Rule) {
  EXPECT_TRUE(IsValidMemberId("abc"));
  EXPECT_TRUE(IsValidMemberId("0ab"));
  EXPECT_TRUE(IsValidMemberId("shop-a-1"));
  EXPECT_TRUE(IsValidMemberId(std::string(32, 'a')));
  EXPECT_FALSE(IsValidMemberId(std::string(33, 'a')));
  EXPECT_FALSE(IsValidMemberId("ab"));
  EXPECT_FALSE(IsValidMemberId("-abc"));
  EXPECT_FALSE(IsValidMemberId("Abc"));
  EXPECT_FALSE(IsValidMemberId("ab_c"));
  EXPECT_FALSE(IsValidMemberId("ab.c"));
  EXPECT_FALSE(IsValidMemberId(std::string("abc\0", 4)));
  EXPECT_FALSE(IsValidMemberId(""));
  EXPECT_TRUE(IsValidNetworkName("acme-net"));
  EXPECT_FALSE(IsValidNetworkName("acme net"));
}

}  // namespace
}  // namespace authnet
