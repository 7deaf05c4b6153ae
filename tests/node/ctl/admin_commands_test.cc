#include "node/ctl/admin_commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/member_bundle.h"
#include "node/ctl/member_commands.h"
#include "node/ctl/member_profile.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result RunCommand(int (*command)(const std::vector<std::string>&), std::vector<std::string> args) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = command(args);
  std::fflush(stdout);
  std::fflush(stderr);
  Result r{code, ::testing::internal::GetCapturedStdout(),
           ::testing::internal::GetCapturedStderr()};
  return r;
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

class AdminCommandsTest : public ::testing::Test {
 protected:
  std::string Dir() const { return (tmp_ / "admin").string(); }
  std::string Out(const std::string& id) const { return (tmp_ / id).string(); }

  void InitNetwork() {
    Result r = RunCommand(RunNetworkInit, {"--network", "acme-net", "--dir", Dir()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void Add(const std::string& id, const std::string& endpoint, const std::string& trust = "") {
    std::vector<std::string> args = {id, "--dir", Dir(), "--endpoint", endpoint, "--out", Out(id)};
    if (!trust.empty()) {
      args.push_back("--trust=" + trust);
    }
    Result r = RunCommand(RunMemberAdd, args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  testing::TempDir tmp_;
};

TEST_F(AdminCommandsTest, NetworkInitCreatesAndExplains) {
  Result r = RunCommand(RunNetworkInit, {"--network", "acme-net", "--dir", Dir()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("created network \"acme-net\" in " + Dir()));
  EXPECT_THAT(r.out, HasSubstr("authnetctl member add ID --dir " + Dir()));
  EXPECT_TRUE(AdminDir::Open(Dir()).ok());

  Result again = RunCommand(RunNetworkInit, {"--network", "acme-net", "--dir", Dir()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err,
              StartsWith("authnetctl network init: creating network in " + Dir() + ": "));
  EXPECT_THAT(again.err, HasSubstr("already holds a network"));
  EXPECT_EQ(Lines(again.err), 1);
}

TEST_F(AdminCommandsTest, NetworkInitUsageErrors) {
  Result r = RunCommand(RunNetworkInit, {"--dir", Dir()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "authnetctl network init: --network is required\n");
  r = RunCommand(RunNetworkInit, {"--network", "acme-net"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "authnetctl network init: --dir is required\n");
  r = RunCommand(RunNetworkInit, {"--network", "acme-net", "--dir", Dir(), "--bogus", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "authnetctl network init: unknown flag --bogus\n");
  r = RunCommand(RunNetworkInit, {"--network", "Bad Name", "--dir", Dir()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("authnetctl network init: network: "));
  EXPECT_FALSE(std::filesystem::exists(Dir()));
}

TEST_F(AdminCommandsTest, MemberAddWritesBundleAndHints) {
  InitNetwork();
  Result r = RunCommand(RunMemberAdd, {"shop-a", "--dir", Dir(), "--endpoint", "10.0.0.5:7443",
                                       "--out", Out("shop-a"), "--trust", "0.5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added member \"shop-a\" to network \"acme-net\""));
  EXPECT_THAT(r.out, HasSubstr("roster version 2"));
  EXPECT_THAT(r.out, HasSubstr("authnetd --bundle " + Out("shop-a")));
  absl::StatusOr<MemberBundle> bundle = MemberBundle::Load(Out("shop-a"));
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(bundle->roster().Find("shop-a")->trust_milli(), 500u);
}

TEST_F(AdminCommandsTest, MemberAddUsageErrors) {
  InitNetwork();
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  std::string d = Dir();
  std::string o = Out("x");
  std::vector<Case> cases = {
      {{"--dir", d, "--endpoint", "h:1", "--out", o}, "member ID is required"},
      {{"shop-a", "--endpoint", "h:1", "--out", o}, "--dir is required"},
      {{"shop-a", "--dir", d, "--out", o}, "give --request FILE"},
      {{"shop-a", "--dir", d, "--out", o, "--endpoint", "h:1", "--request", "r.pb"}, "not both"},
      {{"shop-a", "--dir", d, "--endpoint", "h:1"}, "--out is required"},
      {{"shop-a", "shop-b", "--dir", d, "--endpoint", "h:1", "--out", o},
       "unexpected argument 'shop-b'"},
      {{"shop-a", "--dir", d, "--endpoint", "h:1", "--out", o, "--trust", "2"},
       "--trust: \"2\" is not a number from 0 to 1"},
      {{"shop-a", "--dir", d, "--endpoint", "h:1", "--out", o, "--trust", "lots"},
       "--trust: \"lots\" is not a number from 0 to 1"},
      {{"shop-a", "--dir", d, "--endpoint", "h:1", "--out", o, "--trust", "nan"},
       "is not a number from 0 to 1"},
      {{"Shop-A", "--dir", d, "--endpoint", "h:1", "--out", o}, "id: \"Shop-A\" must match"},
      {{"shop-a", "--dir", d, "--endpoint", "nohost", "--out", o}, "endpoint: "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.err);
    Result r = RunCommand(RunMemberAdd, c.args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, StartsWith("authnetctl member add: "));
    EXPECT_THAT(r.err, HasSubstr(c.err));
    EXPECT_EQ(Lines(r.err), 1);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(std::filesystem::exists(o));
}

TEST_F(AdminCommandsTest, MemberAddOperationalErrors) {
  Result no_dir = RunCommand(
      RunMemberAdd, {"shop-a", "--dir", Dir(), "--endpoint", "h:1", "--out", Out("shop-a")});
  EXPECT_EQ(no_dir.exit_code, 1);
  EXPECT_THAT(no_dir.err, StartsWith("authnetctl member add: opening the admin directory: "));
  EXPECT_THAT(no_dir.err, HasSubstr("authnetctl network init"));

  InitNetwork();
  Add("shop-a", "h:1");
  Result dup = RunCommand(RunMemberAdd,
                          {"shop-a", "--dir", Dir(), "--endpoint", "h:2", "--out", Out("again")});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_EQ(dup.err,
            "authnetctl member add: adding member \"shop-a\": member \"shop-a\" is already in the "
            "roster\n");

  // A revoked id is never enrolled again, by either path: the error says so.
  ASSERT_EQ(RunCommand(RunMemberRevoke, {"shop-a", "--dir", Dir()}).exit_code, 0);
  const std::string revoked =
      "authnetctl member add: adding member \"shop-a\": member \"shop-a\" is revoked and a "
      "revoked id is never enrolled again; enroll the member under a new id\n";
  Result demo = RunCommand(RunMemberAdd,
                           {"shop-a", "--dir", Dir(), "--endpoint", "h:2", "--out", Out("again")});
  EXPECT_EQ(demo.exit_code, 1);
  EXPECT_EQ(demo.err, revoked);
  ASSERT_EQ(RunCommand(RunMemberKeygen, {"shop-a", "--network", "acme-net", "--endpoint", "h:2",
                                         "--out", Out("keys")})
                .exit_code,
            0);
  Result request =
      RunCommand(RunMemberAdd, {"shop-a", "--dir", Dir(), "--request",
                                Out("keys") + "/enroll-request.pb", "--out", Out("enroll")});
  EXPECT_EQ(request.exit_code, 1);
  EXPECT_EQ(request.err, revoked);
}

TEST_F(AdminCommandsTest, MemberListJsonIsExact) {
  InitNetwork();
  Result empty = RunCommand(RunMemberList, {"--dir", Dir(), "--json"});
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_EQ(empty.out, "[]\n");

  Add("shop-a", "shop-a.example:7443");
  Add("shop-b", "[::1]:9000", "0.25");
  Add("shop-c", "10.1.2.3:1", "0");
  Result r = RunCommand(RunMemberList, {"--dir", Dir(), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "[{\"id\": \"shop-a\", \"status\": \"active\", \"endpoint\": \"shop-a.example:7443\", "
            "\"trust\": 1.0, \"role\": \"platform\", \"prefixes\": []}, "
            "{\"id\": \"shop-b\", \"status\": \"active\", \"endpoint\": \"[::1]:9000\", "
            "\"trust\": 0.25, \"role\": \"platform\", \"prefixes\": []}, "
            "{\"id\": \"shop-c\", \"status\": \"active\", \"endpoint\": \"10.1.2.3:1\", "
            "\"trust\": 0.0, \"role\": \"platform\", \"prefixes\": []}]\n");
}

TEST_F(AdminCommandsTest, MemberListTableIsAligned) {
  InitNetwork();
  Add("shop-a", "a.example:1");
  Add("longer-member-id", "b.example:65535", "0.125");
  Result r = RunCommand(RunMemberList, {"--dir", Dir()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "network \"acme-net\", roster version 3, 2 members\n"
            "ID                STATUS  ENDPOINT         TRUST  ROLE\n"
            "shop-a            active  a.example:1      1.0    platform\n"
            "longer-member-id  active  b.example:65535  0.125  platform\n");
}

TEST_F(AdminCommandsTest, RolesAndPrefixesAreSetAndShown) {
  InitNetwork();
  Result brand = RunCommand(
      RunMemberAdd, {"brand-a", "--dir", Dir(), "--endpoint", "h:1", "--out", Out("brand-a"),
                     "--role", "brand", "--prefixes", "4006381,0950600"});
  ASSERT_EQ(brand.exit_code, 0) << brand.err;
  EXPECT_THAT(brand.out, HasSubstr("(trust 1.0, brand)"));
  Result customs = RunCommand(RunMemberAdd, {"customs", "--dir", Dir(), "--endpoint", "h:2",
                                             "--out", Out("customs"), "--role", "observer"});
  ASSERT_EQ(customs.exit_code, 0) << customs.err;
  Result r = RunCommand(RunMemberList, {"--dir", Dir(), "--json"});
  EXPECT_THAT(r.out, HasSubstr("\"id\": \"brand-a\", \"status\": \"active\", \"endpoint\": "
                               "\"h:1\", \"trust\": 1.0, \"role\": \"brand\", \"prefixes\": "
                               "[\"4006381\", \"0950600\"]"));
  EXPECT_THAT(r.out, HasSubstr("\"role\": \"observer\", \"prefixes\": []"));

  // Update: a role and prefixes change in a new roster version.
  Result up = RunCommand(RunMemberUpdate, {"brand-a", "--dir", Dir(), "--prefixes", "4006381"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(up.out, HasSubstr("brand (prefixes 4006381)"));
  Result table = RunCommand(RunMemberList, {"--dir", Dir()});
  EXPECT_THAT(table.out, HasSubstr("brand (prefixes 4006381)"));
  EXPECT_THAT(table.out, HasSubstr("roster version 4"));

  // The customs observer becomes a platform of trust 0.5, in one version.
  up = RunCommand(RunMemberUpdate,
                  {"customs", "--dir", Dir(), "--role", "platform", "--trust", "0.5"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  r = RunCommand(RunMemberList, {"--dir", Dir(), "--json"});
  EXPECT_THAT(r.out,
              HasSubstr("\"id\": \"customs\", \"status\": \"active\", \"endpoint\": "
                        "\"h:2\", \"trust\": 0.5, \"role\": \"platform\", \"prefixes\": []"));
  EXPECT_THAT(RunCommand(RunMemberList, {"--dir", Dir()}).out, HasSubstr("roster version 5"));
}

TEST_F(AdminCommandsTest, BadRolesAndPrefixesChangeNothing) {
  InitNetwork();
  Result ok =
      RunCommand(RunMemberAdd, {"brand-a", "--dir", Dir(), "--endpoint", "h:1", "--out",
                                Out("brand-a"), "--role", "brand", "--prefixes", "4006381"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  Add("shop-a", "h:2");
  const std::string before = RunCommand(RunMemberList, {"--dir", Dir(), "--json"}).out;
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"shop-a", "--dir", Dir(), "--role", "vendor"}, "--role: role \"vendor\" is not one of"},
      {{"shop-a", "--dir", Dir(), "--prefixes", "12"}, "--prefixes: company prefix \"12\" is 2"},
      {{"shop-a", "--dir", Dir(), "--prefixes", "40x6381"}, "holds a non-digit"},
      {{"shop-a", "--dir", Dir(), "--prefixes", "4006381,4006381"}, "is given twice"},
      {{"shop-a", "--dir", Dir(), "--prefixes", "9506000"}, "company prefixes are for brands"},
      {{"shop-a", "--dir", Dir(), "--role", "brand", "--prefixes", "40063812"},
       "company prefix 40063812 of member shop-a lies within prefix 4006381 of member brand-a"},
      {{"shop-a", "--dir", Dir(), "--role", "brand", "--prefixes", "4006381"},
       "is also held by member"},
      {{"shop-a", "--dir", Dir(), "--role", "platform"}, "nothing to change"},
      {{"nobody", "--dir", Dir(), "--role", "brand"}, "member \"nobody\" is not in the roster"},
      {{"shop-a", "--dir", Dir()}, "give what to change"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.err);
    Result r = RunCommand(RunMemberUpdate, c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, StartsWith("authnetctl member update: "));
    EXPECT_THAT(r.err, HasSubstr(c.err));
  }
  EXPECT_EQ(RunCommand(RunMemberList, {"--dir", Dir(), "--json"}).out, before);
}

TEST_F(AdminCommandsTest, MemberListErrors) {
  Result r = RunCommand(RunMemberList, {"--json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "authnetctl member list: --dir is required\n");
  r = RunCommand(RunMemberList, {"--dir", Dir(), "--json=yes"});
  EXPECT_EQ(r.exit_code, 2);
  r = RunCommand(RunMemberList, {"--dir", Dir()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("authnetctl member list: opening the admin directory: "));
  EXPECT_EQ(Lines(r.err), 1);
}

// One error line each, exit 2 for what the user typed, 1 for what failed.
TEST_F(AdminCommandsTest, GovernanceCommandsExplainTheirErrors) {
  struct Case {
    int (*command)(const std::vector<std::string>&);
    std::vector<std::string> args;
    int exit_code;
    std::string err;
  };
  InitNetwork();
  std::string d = Dir();
  std::vector<Case> cases = {
      {RunNetworkInit,
       {"--network", "n2-net", "--dir", Out("n2"), "--admins", "3"},
       2,
       "give --admins N and --threshold M together"},
      {RunNetworkInit,
       {"--network", "n2-net", "--dir", Out("n2"), "--admins", "2", "--threshold", "3"},
       2,
       "--threshold: must be 1 to 2"},
      {RunNetworkInit,
       {"--network", "n2-net", "--dir", Out("n2"), "--passphrase-file", "/nope"},
       1,
       "--passphrase-file: "},
      {RunMemberKeygen,
       {"--network", "acme-net", "--endpoint", "h:1", "--out", Out("k")},
       2,
       "give the member id"},
      {RunMemberKeygen,
       {"shop-a", "--network", "acme-net", "--out", Out("k")},
       2,
       "--endpoint is required"},
      {RunMemberKeygen,
       {"shop-a", "--network", "Acme", "--endpoint", "h:1", "--out", Out("k")},
       2,
       "network: \"Acme\" must match"},
      {RunMemberKeygen, {"--renew", "--out", Out("nothing-here")}, 1, "no such directory"},
      {RunMemberInstall, {"--bundle", Out("k")}, 2, "--from is required"},
      {RunMemberInstall, {"--bundle", Out("nothing-here"), "--from", Out("e")}, 1, "--bundle: "},
      {RunRosterSign, {"--dir", d}, 2, "--key is required"},
      {RunRosterSign,
       {"--dir", d, "--key", d + "/admin-1.key"},
       1,
       "no roster waits for signatures"},
      {RunMemberAdd,
       {"shop-a", "--dir", d, "--request", Out("missing.pb"), "--out", Out("e")},
       1,
       "reading the request"},
      {RunMemberRenew, {"shop-a", "--dir", d, "--out", Out("e")}, 2, "--request is required"},
      {RunNetworkAdmins,
       {"--dir", d, "--remove", "0123456789abcdef"},
       2,
       "no admin key has fingerprint 0123456789abcdef"},
      {RunNetworkAdmins, {"--dir", d, "--threshold", "0"}, 2, "--threshold: must be"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.err);
    Result r = RunCommand(c.command, c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_THAT(r.err, StartsWith("authnetctl "));
    EXPECT_THAT(r.err, HasSubstr(c.err));
    EXPECT_EQ(Lines(r.err), 1) << r.err;
  }
  // Nothing of that changed the roster.
  EXPECT_EQ(AdminDir::Open(Dir())->roster().version(), 1u);
}

TEST_F(AdminCommandsTest, KeygenAddInstallByCommand) {
  InitNetwork();
  Result r = RunCommand(RunMemberKeygen, {"shop-a", "--network", "acme-net", "--endpoint",
                                          "127.0.0.1:7001", "--out", Out("bundle")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("they never leave this machine"));
  r = RunCommand(RunMemberAdd, {"shop-a", "--dir", Dir(), "--request",
                                Out("bundle") + "/enroll-request.pb", "--out", Out("enroll")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("public material only"));
  EXPECT_THAT(r.out, HasSubstr("roster version 2 in "));
  r = RunCommand(RunMemberInstall, {"--bundle", Out("bundle"), "--from", Out("enroll")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(MemberBundle::Load(Out("bundle")).ok());
  // A second admin key joins; the list shows both.
  r = RunCommand(RunNetworkAdmins, {"--dir", Dir(), "--add", "--threshold", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("admin-2.key (NOT encrypted)"));
  r = RunCommand(RunNetworkAdmins, {"--dir", Dir()});
  EXPECT_THAT(r.out, HasSubstr("2 of 2 admin keys must sign"));
}

TEST_F(AdminCommandsTest, RosterSignShowsWhatItSigns) {
  Result r = RunCommand(RunNetworkInit, {"--network", "acme-net", "--dir", Dir(), "--admins", "2",
                                         "--threshold", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::filesystem::rename(tmp_ / "admin" / "admin-2.key", tmp_ / "admin-2.key");
  r = RunCommand(RunNetworkRotateKey, {"--dir", Dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("waits for admin signatures: it has 1 of the 2 needed"));
  r = RunCommand(RunRosterSign, {"--dir", Dir(), "--key", Out("admin-2.key")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("roster version 2 (now 1) changes:\n  network key epoch 2 added\n"));
  EXPECT_THAT(r.out, HasSubstr("(2 of 2 admin signatures needed)"));
}

}  // namespace
}  // namespace authnet
