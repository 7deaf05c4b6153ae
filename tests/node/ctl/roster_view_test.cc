#include "node/ctl/roster_view.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/member_bundle.h"
#include "node/bundle/secure_file.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result Show(std::vector<std::string> args) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = RunRosterShow(args);
  std::fflush(stdout);
  std::fflush(stderr);
  Result r{code, ::testing::internal::GetCapturedStdout(),
           ::testing::internal::GetCapturedStderr()};
  return r;
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// A network with a brand and a revoked platform; brand-a's bundle holds the
// admins' newest roster (version 4: both members, key epochs 1 and 2).
class RosterViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<AdminDir> admin = AdminDir::Init(tmp_ / "admin", "acme-net");
    ASSERT_TRUE(admin.ok()) << admin.status();
    MemberProfile brand{0.5, v1::MEMBER_ROLE_BRAND, {"4006381"}};
    ASSERT_TRUE(admin->AddMember("brand-a", "b.example:1", brand, bundle_).ok());
    ASSERT_TRUE(admin->AddMember("shop-b", "s.example:2", {}, tmp_ / "shop-b").ok());
    ASSERT_TRUE(admin->RevokeMember("shop-b", /*rotate=*/true).ok());
    ASSERT_TRUE(fs::copy_file(tmp_ / "admin" / "roster.pb", bundle_ / "roster.pb",
                              fs::copy_options::overwrite_existing));
    fingerprint_ = AdminSetFingerprint(admin->roster().admins());
  }

  Roster Loaded() {
    absl::StatusOr<Roster> roster = MemberBundle::LoadRoster(bundle_);
    EXPECT_TRUE(roster.ok()) << roster.status();
    return *std::move(roster);
  }

  testing::TempDir tmp_;
  fs::path bundle_ = tmp_ / "brand-a";
  std::string fingerprint_;
};

TEST_F(RosterViewTest, TextShowsTheRosterAndEveryMember) {
  Roster roster = Loaded();
  const int64_t expires = roster.body().expires_unix();
  ASSERT_GT(expires, 0);
  const std::string when = absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(expires),
                                            absl::UTCTimeZone());
  const std::string table =
      "ID       STATUS   ENDPOINT     TRUST  ROLE\n"
      "brand-a  active   b.example:1  0.5    brand (prefixes 4006381)\n"
      "shop-b   revoked  s.example:2  1.0    platform\n";
  EXPECT_EQ(RosterText(roster, expires - 1),
            "network \"acme-net\", roster version 4, expires " + when + ", 2 members\nadmin set " +
                fingerprint_ + " (a roster needs 1 of its 1 admin key); network key epochs 1, 2\n" +
                table);
  EXPECT_THAT(RosterText(roster, expires + 1),
              StartsWith("network \"acme-net\", roster version 4, EXPIRED " + when + ", "));
}

TEST_F(RosterViewTest, JsonIsOneStableObject) {
  Roster roster = Loaded();
  EXPECT_EQ(RosterJson(roster),
            "{\"network\": \"acme-net\", \"version\": 4, \"expires_unix\": " +
                std::to_string(roster.body().expires_unix()) + ", \"admin_set\": \"" +
                fingerprint_ +
                "\", \"admin_threshold\": 1, \"admin_keys\": 1, \"key_epochs\": [1, 2], "
                "\"members\": [{\"id\": \"brand-a\", \"status\": \"active\", \"endpoint\": "
                "\"b.example:1\", \"trust\": 0.5, \"role\": \"brand\", \"prefixes\": "
                "[\"4006381\"]}, {\"id\": \"shop-b\", \"status\": \"revoked\", \"endpoint\": "
                "\"s.example:2\", \"trust\": 1.0, \"role\": \"platform\", \"prefixes\": []}]}");
}

TEST_F(RosterViewTest, ShowBundleNeedsOnlyThePublicFiles) {
  for (const char* secret : kBundleSecretFiles) {
    fs::remove(bundle_ / secret);
  }
  Result text = Show({"--bundle", bundle_.string()});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, RosterText(Loaded(), absl::ToUnixSeconds(absl::Now())));
  Result json = Show({"--bundle", bundle_.string(), "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, RosterJson(Loaded()) + "\n");
  EXPECT_EQ(json.err, "");
}

TEST_F(RosterViewTest, ShowUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--json"},
        std::vector<std::string>{"--bundle", bundle_.string(), "--node", "unix:/x.sock"},
        std::vector<std::string>{"--bundle", bundle_.string(), "--bogus", "1"}}) {
    Result r = Show(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, StartsWith("authnetctl roster show: "));
    EXPECT_EQ(Lines(r.err), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// A roster that is missing, damaged or not signed by the admin set the
// bundle trusts: one line naming the bundle, the file and what to do.
TEST_F(RosterViewTest, ShowRefusesABadBundleRosterInOneLine) {
  const std::string where = "authnetctl roster show: --bundle: bundle " + bundle_.string() + ": ";
  Result missing_dir = Show({"--bundle", (tmp_ / "nope").string()});
  EXPECT_EQ(missing_dir.exit_code, 1);
  EXPECT_THAT(missing_dir.err, HasSubstr("nope: no such directory; check the path"));

  std::string roster = *ReadFile(bundle_ / "roster.pb");
  fs::remove(bundle_ / "roster.pb");
  Result missing = Show({"--bundle", bundle_.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, where +
                             "roster.pb is missing; the bundle is not installed yet: 'authnetctl "
                             "member install --bundle " +
                             bundle_.string() +
                             " --from ENROLL_DIR' with the files the admins sent\n");

  std::string tampered = roster;
  tampered[tampered.size() / 2] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomically(bundle_ / "roster.pb", tampered, 0644).ok());
  Result bad = Show({"--bundle", bundle_.string(), "--json"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, StartsWith(where + "roster.pb "));
  EXPECT_THAT(bad.err, HasSubstr("get the current roster from the network admins"));
  EXPECT_EQ(Lines(bad.err), 1) << bad.err;
  EXPECT_EQ(bad.out, "");

  // Validly signed, but by another network's admins than admin.pub names.
  absl::StatusOr<AdminDir> other = AdminDir::Init(tmp_ / "other", "acme-net");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(fs::copy_file(tmp_ / "other" / "roster.pb", bundle_ / "roster.pb",
                            fs::copy_options::overwrite_existing));
  Result foreign = Show({"--bundle", bundle_.string()});
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_EQ(foreign.err, where +
                             "roster.pb is signed by another admin set than admin.pub names; take "
                             "both from the same enrollment\n");
}

}  // namespace
}  // namespace authnet
