// Production enrollment, m-of-n admins and network key rotation, through
// the admin directory and the member's bundle as the CLI drives them.
#include "node/bundle/enrollment.h"

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/file_names.h"
#include "node/bundle/member_bundle.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Slurp(const fs::path& path) { return *ReadFile(path); }

// Every file under `dir`, recursively, with its contents.
std::vector<std::pair<fs::path, std::string>> Files(const fs::path& dir) {
  std::vector<std::pair<fs::path, std::string>> out;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      out.emplace_back(e.path(), Slurp(e.path()));
    }
  }
  return out;
}

class EnrollmentTest : public ::testing::Test {
 protected:
  fs::path Admin() const { return tmp_ / "admin"; }

  // Keygen makes `id`'s bundle on "its own machine" and returns the request.
  v1::EnrollRequest Keygen(const std::string& id, const std::string& network = "acme-net") {
    absl::StatusOr<v1::EnrollRequest> request =
        GenerateMemberKeys(tmp_ / ("bundle-" + id), network, id, "127.0.0.1:7001");
    EXPECT_TRUE(request.ok()) << request.status();
    return *request;
  }
  fs::path Bundle(const std::string& id) const { return tmp_ / ("bundle-" + id); }
  fs::path Enroll(const std::string& id) const { return tmp_ / ("enroll-" + id); }

  // Enroll runs keygen -> add --request -> install for `id`.
  void Join(AdminDir& admin, const std::string& id) {
    v1::EnrollRequest request = Keygen(id);
    absl::StatusOr<Publication> p = admin.AddMemberFromRequest(id, request, {1.0}, Enroll(id));
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_TRUE(p->complete);
    absl::StatusOr<Installed> installed = InstallEnrollment(Bundle(id), Enroll(id));
    ASSERT_TRUE(installed.ok()) << installed.status();
  }

  testing::TempDir tmp_;
};

TEST_F(EnrollmentTest, KeygenAddInstallMakesABundleWithoutTheAdminSeeingAPrivateKey) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(Admin(), "acme-net");
  ASSERT_TRUE(admin.ok());
  v1::EnrollRequest request = Keygen("shop-a");
  for (const char* name : {kNodeKeyFile, kSigningKeyFile, kSealingKeyFile}) {
    EXPECT_EQ(fs::status(Bundle("shop-a") / name).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << name;
  }
  EXPECT_TRUE(fs::exists(Bundle("shop-a") / kEnrollRequestFile));
  // Not a bundle yet: nothing from the admins.
  EXPECT_FALSE(MemberBundle::Load(Bundle("shop-a")).ok());

  absl::StatusOr<Publication> p =
      admin->AddMemberFromRequest("shop-a", request, {0.5}, Enroll("shop-a"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->complete);
  EXPECT_EQ(p->version, 2u);
  const v1::RosterMember* m = admin->roster().Find("shop-a");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->trust_milli(), 500u);
  EXPECT_EQ(m->network_keys_size(), 1);

  absl::StatusOr<Installed> installed = InstallEnrollment(
      Bundle("shop-a"), Enroll("shop-a"), AdminSetFingerprint(admin->roster().admins()));
  ASSERT_TRUE(installed.ok()) << installed.status();
  EXPECT_EQ(installed->roster_version, 2u);
  absl::StatusOr<MemberBundle> bundle = MemberBundle::Load(Bundle("shop-a"));
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(bundle->member_id(), "shop-a");
  EXPECT_EQ(bundle->network_keys().CurrentEpoch(), 1u);

  // No file the admin side read or wrote holds the member's private keys:
  // not the request, not the enrollment directory, not the admin directory.
  std::vector<std::string> secrets;
  for (const char* name : {kNodeKeyFile, kSigningKeyFile, kSealingKeyFile}) {
    std::string pem = Slurp(Bundle("shop-a") / name);
    // Key material from the base64 body (characters 48..63 of its first
    // line: past the fixed PKCS#8 prefix every key of a type shares).
    secrets.push_back(pem.substr(pem.find('\n') + 1 + 48, 16));
  }
  std::vector<std::pair<fs::path, std::string>> admin_side = Files(Admin());
  for (auto& f : Files(Enroll("shop-a"))) {
    admin_side.push_back(f);
  }
  admin_side.emplace_back(Bundle("shop-a") / kEnrollRequestFile,
                          Slurp(Bundle("shop-a") / kEnrollRequestFile));
  for (const auto& [path, data] : admin_side) {
    for (const std::string& secret : secrets) {
      EXPECT_EQ(data.find(secret), std::string::npos) << path << " holds a member private key";
    }
    if (path.parent_path() != Admin()) {
      EXPECT_EQ(data.find("PRIVATE KEY"), std::string::npos) << path;
    }
  }
}

TEST_F(EnrollmentTest, BadRequestsAreRefusedAndChangeNothing) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(Admin(), "acme-net");
  ASSERT_TRUE(admin.ok());
  v1::EnrollRequest good = Keygen("shop-a");
  auto refused = [&](const std::string& id, const v1::EnrollRequest& request) {
    absl::Status s = admin->AddMemberFromRequest(id, request, {1.0}, Enroll(id)).status();
    EXPECT_FALSE(fs::exists(Enroll(id)));
    EXPECT_EQ(admin->roster().version(), 1u);
    EXPECT_EQ(AdminDir::Open(Admin())->roster().version(), 1u);
    return s;
  };
  // A flipped byte anywhere in the body breaks the proof of possession.
  for (size_t at : {size_t{3}, good.body().size() / 2, good.body().size() - 1}) {
    v1::EnrollRequest flipped = good;
    (*flipped.mutable_body())[at] ^= 0x01;
    absl::Status s = refused("shop-a", flipped);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << at;
  }
  v1::EnrollRequest bad_sig = good;
  (*bad_sig.mutable_signature())[0] ^= 0x01;
  EXPECT_THAT(std::string(refused("shop-a", bad_sig).message()),
              HasSubstr("does not verify under the signing key"));
  EXPECT_THAT(std::string(refused("shop-b", good).message()),
              HasSubstr("is from member \"shop-a\", not \"shop-b\""));
  // A valid proof of possession over a certificate request whose own
  // signature does not verify (its key did not sign it).
  {
    v1::EnrollRequestBody body;
    ASSERT_TRUE(body.ParseFromString(good.body()));
    (*body.mutable_csr_der())[body.csr_der().size() - 3] ^= 0x01;
    v1::EnrollRequest resigned;
    resigned.set_body(body.SerializeAsString());
    absl::StatusOr<crypto::Ed25519Key> signing =
        crypto::Ed25519Key::FromPem(Slurp(Bundle("shop-a") / kSigningKeyFile));
    resigned.set_signature(
        *signing->Sign(std::string("authnet/v1/enroll-request\0", 26) + resigned.body()));
    EXPECT_THAT(std::string(refused("shop-a", resigned).message()),
                HasSubstr("certificate request"));
  }
  v1::EnrollRequest other_net = Keygen("shop-c", "other-net");
  EXPECT_THAT(std::string(refused("shop-c", other_net).message()),
              HasSubstr("is for network \"other-net\""));
}

TEST_F(EnrollmentTest, InstallRefusesAnswersThatDoNotMatchTheBundle) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(Admin(), "acme-net");
  ASSERT_TRUE(admin.ok());
  Join(*admin, "shop-a");
  v1::EnrollRequest b = Keygen("shop-b");
  ASSERT_TRUE(admin->AddMemberFromRequest("shop-b", b, {1.0}, Enroll("shop-b")).ok());
  // shop-a's answer does not complete shop-b's bundle: node.crt belongs to
  // another key. Nothing is written.
  absl::Status s = InstallEnrollment(Bundle("shop-b"), Enroll("shop-a")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("node.crt does not belong to node.key"));
  EXPECT_FALSE(fs::exists(Bundle("shop-b") / kNodeCertFile));
  // A roster signed by another admin set than admin.pub names.
  ASSERT_TRUE(AdminDir::Init(tmp_ / "other-admin", "acme-net").ok());
  fs::copy_file(tmp_ / "other-admin" / kRosterFile, tmp_ / "forged.pb");
  fs::path forged = tmp_ / "forged-enroll";
  fs::copy(Enroll("shop-b"), forged);
  fs::copy_file(tmp_ / "forged.pb", forged / kRosterFile, fs::copy_options::overwrite_existing);
  s = InstallEnrollment(Bundle("shop-b"), forged).status();
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(fs::exists(Bundle("shop-b") / kNodeCertFile));
  // The real answer works.
  EXPECT_TRUE(InstallEnrollment(Bundle("shop-b"), Enroll("shop-b")).ok());
}

// One admin of a 2-of-3 network forges an enrollment answer: the genuine
// admin keys, but a roster of its own with threshold 1, signed by itself.
// admin.pub matches; the published admin-set fingerprint does not.
TEST_F(EnrollmentTest, AForgedThresholdIsCaughtByTheAdminSetFingerprint) {
  AdminInit init;
  init.admins = 3;
  init.threshold = 2;
  absl::StatusOr<AdminDir> admin = AdminDir::Init(Admin(), "acme-net", init);
  ASSERT_TRUE(admin.ok());
  const std::string published = AdminSetFingerprint(admin->roster().admins());
  v1::EnrollRequest request = Keygen("shop-a");
  ASSERT_TRUE(admin->AddMemberFromRequest("shop-a", request, {1.0}, Enroll("shop-a")).ok());

  v1::SignedRoster genuine;
  ASSERT_TRUE(genuine.ParseFromString(Slurp(Enroll("shop-a") / kRosterFile)));
  v1::RosterBody body;
  ASSERT_TRUE(body.ParseFromString(genuine.body()));
  body.set_admin_threshold(1);
  body.set_version(1000);
  absl::StatusOr<crypto::Ed25519Key> rogue =
      crypto::Ed25519Key::FromPem(Slurp(Admin() / "admin-1.key"));
  absl::StatusOr<v1::SignedRoster> forged = Roster::Sign(body, *rogue);
  ASSERT_TRUE(forged.ok());
  ASSERT_TRUE(
      WriteFileAtomically(Enroll("shop-a") / kRosterFile, forged->SerializeAsString(), 0644).ok());

  absl::Status s = InstallEnrollment(Bundle("shop-a"), Enroll("shop-a"), published).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("(1 of 3 keys), not the " + published));
  EXPECT_FALSE(fs::exists(Bundle("shop-a") / kRosterFile));
  // A node holding the genuine roster refuses the forged one: one signature.
  EXPECT_FALSE(Roster::Verify(*forged, admin->roster().admins(), "acme-net").ok());
}

TEST_F(EnrollmentTest, RevocationRotatesTheNetworkKeyAwayFromTheRevokedMember) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(Admin(), "acme-net");
  ASSERT_TRUE(admin.ok());
  Join(*admin, "shop-a");
  Join(*admin, "shop-b");
  absl::StatusOr<std::optional<Publication>> revoked = admin->RevokeMember("shop-b", true);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  ASSERT_TRUE(revoked->has_value());
  EXPECT_TRUE((*revoked)->complete);
  const Roster& roster = admin->roster();
  EXPECT_EQ(roster.NewestEpoch(), 2u);
  EXPECT_EQ(roster.Find("shop-b")->network_keys_size(), 0);

  absl::StatusOr<MemberBundle> a = MemberBundle::Load(Bundle("shop-a"));
  absl::StatusOr<MemberBundle> b = MemberBundle::Load(Bundle("shop-b"));
  ASSERT_TRUE(a.ok() && b.ok());
  absl::StatusOr<NetworkKeys> a_keys = OpenNetworkKeys(roster, "shop-a", a->sealing_key());
  ASSERT_TRUE(a_keys.ok()) << a_keys.status();
  EXPECT_EQ(a_keys->CurrentEpoch(), 2u);
  EXPECT_TRUE(a_keys->Has(1));
  // The revoked member holds epoch 1 only, and cannot open anything else:
  // not even shop-a's box moved into its own entry.
  EXPECT_FALSE(b->network_keys().Has(2));
  v1::RosterMember b_entry = *roster.Find("shop-b");
  for (const v1::SealedNetworkKey& k : roster.Find("shop-a")->network_keys()) {
    absl::StatusOr<std::string> opened = crypto::Unseal(b->sealing_key(), k.sealed(), "anything");
    EXPECT_FALSE(opened.ok());
  }
  // Admin's network.keys holds both epochs.
  absl::StatusOr<NetworkKeys> admin_keys = NetworkKeys::Parse(Slurp(Admin() / kNetworkKeysFile));
  EXPECT_EQ(admin_keys->Epochs(), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(admin_keys->Key(2), a_keys->Key(2));

  // Rotation without revocation reaches every member not revoked.
  absl::StatusOr<Publication> rotated = admin->RotateKey();
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(admin->roster().NewestEpoch(), 3u);
  EXPECT_EQ(OpenNetworkKeys(admin->roster(), "shop-a", a->sealing_key())->CurrentEpoch(), 3u);
}

TEST_F(EnrollmentTest, MOfNAdminsProposeThenSign) {
  AdminInit init;
  init.admins = 3;
  init.threshold = 2;
  ASSERT_TRUE(AdminDir::Init(Admin(), "acme-net", init).ok());
  // Each key moves to its holder: only admin-1 stays.
  fs::create_directory(tmp_ / "holder2");
  fs::rename(Admin() / "admin-2.key", tmp_ / "holder2" / "admin-2.key");
  fs::rename(Admin() / "admin-3.key", tmp_ / "holder3.key");
  std::string roster_before = Slurp(Admin() / kRosterFile);

  absl::StatusOr<AdminDir> admin = AdminDir::Open(Admin());
  ASSERT_TRUE(admin.ok());
  v1::EnrollRequest request = Keygen("shop-a");
  absl::StatusOr<Publication> p =
      admin->AddMemberFromRequest("shop-a", request, {1.0}, Enroll("shop-a"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->complete);
  EXPECT_EQ(p->signatures, 1u);
  EXPECT_EQ(p->needed, 2u);
  EXPECT_EQ(Slurp(Admin() / kRosterFile), roster_before);
  EXPECT_TRUE(fs::exists(Admin() / kRosterProposalFile));
  EXPECT_FALSE(fs::exists(Enroll("shop-a") / kRosterFile));
  // One admin's roster does not verify for a node holding version 1.
  v1::SignedRoster proposal;
  ASSERT_TRUE(proposal.ParseFromString(Slurp(Admin() / kRosterProposalFile)));
  absl::StatusOr<Roster> one = Roster::Verify(proposal, admin->roster().admins(), "acme-net");
  EXPECT_FALSE(one.ok());
  EXPECT_THAT(std::string(one.status().message()), HasSubstr("has 1 valid signature"));
  // Another change waits for this one.
  EXPECT_EQ(admin->RotateKey().status().code(), absl::StatusCode::kFailedPrecondition);

  // admin-2's holder signs: complete.
  absl::StatusOr<AdminDir> second = AdminDir::Open(Admin());
  absl::StatusOr<std::string> pem = ReadFile(tmp_ / "holder2" / "admin-2.key");
  second->AddSigningKey(*crypto::Ed25519Key::FromPem(*pem));
  absl::StatusOr<Publication> signed_p = second->SignProposal();
  ASSERT_TRUE(signed_p.ok()) << signed_p.status();
  EXPECT_TRUE(signed_p->complete);
  EXPECT_EQ(signed_p->signatures, 2u);
  EXPECT_FALSE(fs::exists(Admin() / kRosterProposalFile));
  EXPECT_EQ(AdminDir::Open(Admin())->roster().version(), 2u);
  // The member takes the signed roster and completes its bundle.
  fs::copy_file(Admin() / kRosterFile, Enroll("shop-a") / kRosterFile);
  EXPECT_TRUE(InstallEnrollment(Bundle("shop-a"), Enroll("shop-a")).ok());
  // Signing again with a key that signed: nothing waits.
  EXPECT_EQ(second->SignProposal().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(EnrollmentTest, AdminSetChangesNeedTheOldThresholdAndTheNew) {
  AdminInit init;
  init.admins = 2;
  init.threshold = 2;
  ASSERT_TRUE(AdminDir::Init(Admin(), "acme-net", init).ok());
  absl::StatusOr<AdminDir> admin = AdminDir::Open(Admin());
  ASSERT_EQ(admin->roster().admins().keys.size(), 2u);
  const Roster v1 = admin->roster();
  // Replace admin-2 (lost) with a fresh key: admin-1 and admin-2 sign
  // for the old set; admin-1 and the new key for the new one.
  absl::StatusOr<crypto::Ed25519Key> fresh = crypto::Ed25519Key::Generate();
  std::string lost = KeyFingerprint(admin->roster().admins().keys[1]);
  admin->AddSigningKey(*fresh);
  absl::StatusOr<Publication> p = admin->ChangeAdmins({fresh->PublicKey()}, {lost}, 0);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->complete);
  EXPECT_TRUE(admin->roster().admins().Contains(fresh->PublicKey()));
  // A node holding version 1 accepts version 2 (2 of its old set signed).
  EXPECT_TRUE(Roster::Verify(admin->roster().signed_roster(), v1.admins(), "acme-net").ok());
  // Bad changes are refused.
  EXPECT_EQ(admin->ChangeAdmins({}, {"0000000000000000"}, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(admin->ChangeAdmins({}, {}, 5).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EnrollmentTest, EncryptedAdminKeysNeedTheirPassphrase) {
  AdminInit init;
  init.passphrase = [](int) { return std::string("correct horse"); };
  ASSERT_TRUE(AdminDir::Init(Admin(), "acme-net", init).ok());
  EXPECT_THAT(Slurp(Admin() / "admin-1.key"), HasSubstr("ENCRYPTED PRIVATE KEY"));
  absl::StatusOr<AdminDir> admin = AdminDir::Open(Admin());
  ASSERT_TRUE(admin.ok());
  // Not decrypted yet: the change becomes a proposal with no signature.
  absl::StatusOr<int> wrong =
      admin->LoadSigningKeys([](const fs::path&) { return std::string("wrong"); });
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("admin-1.key"));
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("passphrase is wrong"));
  absl::StatusOr<int> none = admin->LoadSigningKeys(nullptr);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kPermissionDenied);
  absl::StatusOr<int> right =
      admin->LoadSigningKeys([](const fs::path&) { return std::string("correct horse"); });
  ASSERT_TRUE(right.ok()) << right.status();
  EXPECT_EQ(*right, 1);
  EXPECT_TRUE(admin->RotateKey()->complete);
}

TEST_F(EnrollmentTest, RenewalKeepsTheSigningKeyAndCanDropThePreviousCertificate) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(Admin(), "acme-net");
  ASSERT_TRUE(admin.ok());
  Join(*admin, "shop-a");
  std::string first_cert = admin->roster().Find("shop-a")->cert_sha256();
  absl::StatusOr<v1::EnrollRequest> renewal = RenewRequest(Bundle("shop-a"), "");
  ASSERT_TRUE(renewal.ok()) << renewal.status();
  absl::StatusOr<Publication> p =
      admin->RenewMember("shop-a", *renewal, tmp_ / "renew1", /*revoke_previous=*/false);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(admin->roster().Find("shop-a")->previous_cert_sha256(), first_cert);
  ASSERT_TRUE(InstallEnrollment(Bundle("shop-a"), tmp_ / "renew1").ok());
  ASSERT_TRUE(MemberBundle::Load(Bundle("shop-a")).ok());

  p = admin->RenewMember("shop-a", *renewal, tmp_ / "renew2", /*revoke_previous=*/true);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(admin->roster().Find("shop-a")->previous_cert_sha256().empty());

  // A request signed by another member's key is not a renewal of shop-a.
  v1::EnrollRequest stranger = Keygen("shop-x");
  EXPECT_EQ(admin->RenewMember("shop-a", stranger, tmp_ / "renew3", false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(tmp_ / "renew3"));
}

}  // namespace
}  // namespace authnet
