#include "node/bundle/admin_dir.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/bundle/member_bundle.h"
#include "node/bundle/secure_file.h"
#include "node/crypto/certificate_authority.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

mode_t ModeOf(const fs::path& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::vector<std::string> Listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

std::string Slurp(const fs::path& path) { return *ReadFile(path); }

class AdminDirTest : public ::testing::Test {
 protected:
  fs::path admin_dir() const { return tmp_ / "admin"; }
  testing::TempDir tmp_;
};

TEST_F(AdminDirTest, InitWritesEveryFileWithTheRightMode) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(admin_dir(), "acme-net");
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(ModeOf(admin_dir()), 0700u);
  EXPECT_THAT(Listing(admin_dir()), UnorderedElementsAre("ca.crt", "ca.key", "admin-1.key",
                                                         "network.keys", "roster.pb", ".lock"));
  EXPECT_EQ(ModeOf(admin_dir() / "ca.key"), 0600u);
  EXPECT_EQ(ModeOf(admin_dir() / "admin-1.key"), 0600u);
  EXPECT_EQ(ModeOf(admin_dir() / "network.keys"), 0600u);
  EXPECT_EQ(ModeOf(admin_dir() / "ca.crt"), 0644u);
  EXPECT_EQ(admin->network(), "acme-net");
  EXPECT_EQ(admin->roster().version(), 1u);
  EXPECT_TRUE(admin->ListMembers().empty());
  EXPECT_THAT(Slurp(admin_dir() / "admin-1.key"), HasSubstr("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(admin->roster().admins().threshold, 1u);
  EXPECT_EQ(admin->roster().NewestEpoch(), 1u);
  EXPECT_THAT(Slurp(admin_dir() / "ca.crt"), HasSubstr("-----BEGIN CERTIFICATE-----"));
}

TEST_F(AdminDirTest, InitCreatesWithExactModeUnderPermissiveUmask) {
  mode_t old = ::umask(0);
  absl::StatusOr<AdminDir> admin = AdminDir::Init(admin_dir(), "acme-net");
  ::umask(old);
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(ModeOf(admin_dir() / "ca.key"), 0600u);
  EXPECT_EQ(ModeOf(admin_dir() / "roster.pb"), 0644u);
}

TEST_F(AdminDirTest, InitRefusesExistingNetworkAndKeepsKeys) {
  ASSERT_TRUE(AdminDir::Init(admin_dir(), "acme-net").ok());
  std::string ca_key = Slurp(admin_dir() / "ca.key");
  std::string admin_key = Slurp(admin_dir() / "admin-1.key");
  absl::StatusOr<AdminDir> again = AdminDir::Init(admin_dir(), "acme-net");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("already holds a network"));
  EXPECT_EQ(Slurp(admin_dir() / "ca.key"), ca_key);
  EXPECT_EQ(Slurp(admin_dir() / "admin-1.key"), admin_key);
}

TEST_F(AdminDirTest, InitRefusesEvenOneLeftoverKeyFile) {
  ASSERT_TRUE(CreatePrivateDirectory(admin_dir()).ok());
  ASSERT_TRUE(WriteFileAtomically(admin_dir() / "admin-1.key", "precious", 0600).ok());
  EXPECT_EQ(AdminDir::Init(admin_dir(), "acme-net").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Slurp(admin_dir() / "admin-1.key"), "precious");
}

TEST_F(AdminDirTest, InitRejectsBadNetworkName) {
  absl::Status s = AdminDir::Init(admin_dir(), "Acme Net").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("network"));
  EXPECT_FALSE(fs::exists(admin_dir()));
}

TEST_F(AdminDirTest, OpenLoadsWhatInitWrote) {
  absl::StatusOr<AdminDir> made = AdminDir::Init(admin_dir(), "acme-net");
  ASSERT_TRUE(made.ok());
  absl::StatusOr<AdminDir> opened = AdminDir::Open(admin_dir());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->network(), "acme-net");
  EXPECT_EQ(opened->admin_public_key(), made->admin_public_key());
  EXPECT_EQ(opened->ca().cert_pem(), made->ca().cert_pem());
  EXPECT_EQ(opened->roster().version(), 1u);
}

TEST_F(AdminDirTest, OpenExplainsWhatIsWrong) {
  EXPECT_THAT(std::string(AdminDir::Open(admin_dir()).status().message()),
              HasSubstr("does not exist"));
  ASSERT_TRUE(AdminDir::Init(admin_dir(), "acme-net").ok());

  fs::permissions(admin_dir() / "ca.key", fs::perms(0640));
  absl::Status s = AdminDir::Open(admin_dir()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("ca.key is readable by group or others"));
  fs::permissions(admin_dir() / "ca.key", fs::perms(0600));

  std::string roster = Slurp(admin_dir() / "roster.pb");
  std::string flipped = roster;
  flipped[flipped.size() - 1] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomically(admin_dir() / "roster.pb", flipped, 0644).ok());
  s = AdminDir::Open(admin_dir()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("roster.pb"));
  ASSERT_TRUE(WriteFileAtomically(admin_dir() / "roster.pb", roster, 0644).ok());

  // A CA from another network is noticed.
  absl::StatusOr<crypto::CertificateAuthority> other =
      crypto::CertificateAuthority::Create("other-net");
  ASSERT_TRUE(WriteFileAtomically(admin_dir() / "ca.crt", other->cert_pem(), 0644).ok());
  ASSERT_TRUE(WriteFileAtomically(admin_dir() / "ca.key", other->key_pem(), 0600).ok());
  EXPECT_THAT(std::string(AdminDir::Open(admin_dir()).status().message()),
              HasSubstr("is not the CA of network \"acme-net\""));

  fs::remove(admin_dir() / "network.keys");
  EXPECT_THAT(std::string(AdminDir::Open(admin_dir()).status().message()),
              HasSubstr("network.keys: is missing"));
}

TEST_F(AdminDirTest, AddMemberWritesBundleAndBumpsRoster) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(admin_dir(), "acme-net");
  ASSERT_TRUE(admin.ok());
  fs::path out = tmp_ / "shop-a";
  absl::StatusOr<Publication> published =
      admin->AddMember("shop-a", "shop-a.example:7443", {0.75}, out);
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_TRUE(published->complete);
  const v1::RosterMember* m = admin->roster().Find("shop-a");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->id(), "shop-a");
  EXPECT_EQ(m->status(), v1::MEMBER_STATUS_ACTIVE);
  EXPECT_EQ(m->trust_milli(), 750u);
  EXPECT_EQ(admin->roster().version(), 2u);

  EXPECT_EQ(ModeOf(out), 0700u);
  EXPECT_THAT(Listing(out), UnorderedElementsAre("ca.crt", "node.crt", "node.key", "signing.key",
                                                 "sealing.key", "admin.pub", "roster.pb"));
  EXPECT_EQ(ModeOf(out / "node.key"), 0600u);
  EXPECT_EQ(ModeOf(out / "signing.key"), 0600u);
  EXPECT_EQ(ModeOf(out / "sealing.key"), 0600u);
  EXPECT_EQ(Slurp(out / "ca.crt"), Slurp(admin_dir() / "ca.crt"));
  EXPECT_EQ(Slurp(out / "roster.pb"), Slurp(admin_dir() / "roster.pb"));
  std::string cert = Slurp(out / "node.crt");
  EXPECT_EQ(*crypto::MemberIdFromCertificate(cert, "acme-net"), "shop-a");
  EXPECT_EQ(m->cert_sha256(), *crypto::CertificateSha256(cert));

  // The change is durable: a fresh Open sees it.
  absl::StatusOr<AdminDir> reopened = AdminDir::Open(admin_dir());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->roster().version(), 2u);
  ASSERT_EQ(reopened->ListMembers().size(), 1u);
  EXPECT_EQ(reopened->ListMembers()[0].endpoint(), "shop-a.example:7443");

  // And the bundle loads.
  absl::StatusOr<MemberBundle> bundle = MemberBundle::Load(out);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(bundle->member_id(), "shop-a");
}

TEST_F(AdminDirTest, AddMemberValidatesNamingTheField) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(admin_dir(), "acme-net");
  ASSERT_TRUE(admin.ok());
  fs::path out = tmp_ / "b";
  auto message = [&](absl::string_view id, absl::string_view endpoint, double trust) {
    absl::Status s = admin->AddMember(id, endpoint, {trust}, out).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    return std::string(s.message());
  };
  EXPECT_THAT(message("Shop A", "h:1", 1), HasSubstr("id: "));
  EXPECT_THAT(message("shop-a", "h", 1), HasSubstr("endpoint: "));
  EXPECT_THAT(message("shop-a", "h:99999", 1), HasSubstr("endpoint: "));
  EXPECT_THAT(message("shop-a", "h:1", 1.5), HasSubstr("trust: "));
  EXPECT_THAT(message("shop-a", "h:1", -0.1), HasSubstr("trust: "));
  EXPECT_THAT(message("shop-a", "h:1", std::nan("")), HasSubstr("trust: "));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(AdminDir::Open(admin_dir())->roster().version(), 1u);
}

TEST_F(AdminDirTest, AddMemberRefusesDuplicateIdAndNonEmptyOut) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(admin_dir(), "acme-net");
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(admin->AddMember("shop-a", "a.example:1", {1}, tmp_ / "a").ok());
  absl::Status dup = admin->AddMember("shop-a", "a.example:2", {1}, tmp_ / "a2").status();
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(fs::exists(tmp_ / "a2"));

  // out_dir already holding a bundle (or anything) is refused, nothing changes.
  std::string node_key = Slurp(tmp_ / "a" / "node.key");
  absl::Status busy = admin->AddMember("shop-b", "b.example:1", {1}, tmp_ / "a").status();
  EXPECT_EQ(busy.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(busy.message()), HasSubstr("is not empty"));
  EXPECT_EQ(Slurp(tmp_ / "a" / "node.key"), node_key);
  EXPECT_EQ(AdminDir::Open(admin_dir())->roster().version(), 2u);

  // An existing empty directory is fine.
  fs::create_directory(tmp_ / "empty");
  EXPECT_TRUE(admin->AddMember("shop-b", "b.example:1", {0}, tmp_ / "empty").ok());
  EXPECT_EQ(AdminDir::Open(admin_dir())->ListMembers().size(), 2u);
}

TEST_F(AdminDirTest, FailedBundleWriteLeavesRosterUnchanged) {
  absl::StatusOr<AdminDir> admin = AdminDir::Init(admin_dir(), "acme-net");
  ASSERT_TRUE(admin.ok());
  std::string roster_before = Slurp(admin_dir() / "roster.pb");
  fs::path out = tmp_ / "shop-a";
  // Fail half-way through the bundle, even as root: with a 400-byte file
  // size limit the small key files are written but ca.crt is not.
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 400;
  sighandler_t old_handler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  absl::Status s = admin->AddMember("shop-a", "a.example:1", {1}, out).status();
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Slurp(admin_dir() / "roster.pb"), roster_before);
  EXPECT_EQ(admin->roster().version(), 1u);
  EXPECT_EQ(AdminDir::Open(admin_dir())->roster().version(), 1u);
  // The keys that were written are gone again, temporary files too.
  EXPECT_TRUE(Listing(out).empty()) << ::testing::PrintToString(Listing(out));
  // And the same id can be added once the problem is fixed.
  EXPECT_TRUE(admin->AddMember("shop-a", "a.example:1", {1}, out).ok());
}

TEST_F(AdminDirTest, SeesMembersAddedByAnotherProcess) {
  ASSERT_TRUE(AdminDir::Init(admin_dir(), "acme-net").ok());
  absl::StatusOr<AdminDir> first = AdminDir::Open(admin_dir());
  absl::StatusOr<AdminDir> second = AdminDir::Open(admin_dir());
  ASSERT_TRUE(first->AddMember("shop-a", "a.example:1", {1}, tmp_ / "a").ok());
  // `second` opened before shop-a was added; it must not lose shop-a.
  ASSERT_TRUE(second->AddMember("shop-b", "b.example:1", {1}, tmp_ / "b").ok());
  absl::StatusOr<AdminDir> after = AdminDir::Open(admin_dir());
  EXPECT_EQ(after->roster().version(), 3u);
  ASSERT_EQ(after->ListMembers().size(), 2u);
  EXPECT_EQ(after->ListMembers()[0].id(), "shop-a");
  EXPECT_EQ(after->ListMembers()[1].id(), "shop-b");
}

}  // namespace
}  // namespace authnet
