#include "node/daemon/config_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::string& text) {
    std::filesystem::path path = dir_.path() / "authnetd.toml";
    std::ofstream(path) << text;
    return path;
  }

  testing::TempDir dir_;
  DaemonOptions options_;
};

TEST_F(ConfigFileTest, SetsEveryKindOfKeyAndLeavesTheRest) {
  auto path = Write(R"(bundle = "/b"
data = "/d"
peer_listen = "0.0.0.0:7443"
api_listen = "unix:/run/authnet/api.sock"
metrics_listen = "127.0.0.1:9464"
peers = ["b.example:7443", "c.example:7443"]

[log]
format = "json"
level = "warn"

[model]
deny_min_members = 3
half_life_days = 30
deny_risk = 0.9
clone_decision = "deny"
not_commissioned_decision = "deny"
record_ttl_days = 200

[api]
require_tls = true

[limits]
max_batch_checks = 500

[sync]
resync_period_ms = 2000
reload_interval_s = 2
)");
  absl::StatusOr<ConfigFile> config = ConfigFile::Load(path, options_);
  ASSERT_TRUE(config.ok()) << config.status();
  const NodeOptions& n = options_.node;
  EXPECT_EQ(n.bundle_dir, "/b");
  EXPECT_EQ(n.peer_listen, "0.0.0.0:7443");
  EXPECT_EQ(n.metrics_listen, "127.0.0.1:9464");
  EXPECT_TRUE(n.api_require_tls);
  EXPECT_EQ(n.peers, (std::vector<std::string>{"b.example:7443", "c.example:7443"}));
  EXPECT_EQ(options_.log_format, "json");
  EXPECT_EQ(options_.log_level, "warn");
  EXPECT_EQ(n.model.deny_min_members, 3u);
  EXPECT_DOUBLE_EQ(n.model.half_life_days, 30);  // an integer where a number goes
  EXPECT_DOUBLE_EQ(n.model.deny_risk, 0.9);
  EXPECT_EQ(n.model.clone_decision, v1::DECISION_DENY);
  EXPECT_EQ(n.model.not_commissioned_decision, v1::DECISION_DENY);
  EXPECT_EQ(n.checkout.ttl_days, 200u);
  EXPECT_EQ(n.checkout.max_batch_checks, 500u);
  EXPECT_EQ(n.peer_links.resync_period, std::chrono::milliseconds(2000));
  EXPECT_EQ(n.reload_interval, std::chrono::seconds(2));
  // Keys the file leaves out keep their defaults.
  EXPECT_DOUBLE_EQ(n.model.review_risk, ModelOptions().review_risk);
  EXPECT_EQ(n.writer.max_queued, ReportWriter::Options().max_queued);
}

TEST_F(ConfigFileTest, ErrorsNameFileLineAndKey) {
  struct Case {
    std::string text;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"bundle = \"/b\"\n\n[model]\ndeny_risk = \"high\"\n",
            ":4: model.deny_risk: expected a number, found a string"},
           {"[model]\ndeny_rsik = 0.5\n", ":2: model.deny_rsik: unknown key"},
           {"[api]\nrequire_tls = \"yes\"\n",
            ":2: api.require_tls: expected true or false, found a string"},
           {"[modle]\nk = 1\n", ":1: modle: unknown section"},
           {"[model]\ndeny_min_members = 0\n",
            ":2: model.deny_min_members: 0 is outside [1, 1000]"},
           {"[model]\nclone_decision = \"block\"\n",
            ":2: model.clone_decision: 'block' is not a decision"},
           {"[log]\nlevel = \"loud\"\n", ":2: log.level: 'loud' is not one of"},
           {"peers = \"a:1\"\n", ":1: peers: expected an array"},
           {"[sync]\nresync_period_ms = 1.5\n",
            ":2: sync.resync_period_ms: expected a whole number"},
           {"bundle = \n", ":1: not valid TOML"},
       }) {
    DaemonOptions options;
    absl::StatusOr<ConfigFile> config = ConfigFile::Load(Write(c.text), options);
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_TRUE(absl::IsInvalidArgument(config.status()));
    EXPECT_NE(config.status().message().find(c.error), std::string::npos)
        << config.status().message() << "\nwant: " << c.error;
    EXPECT_NE(config.status().message().find("authnetd.toml"), std::string::npos);
  }
}

TEST_F(ConfigFileTest, MissingFileIsNotFound) {
  absl::StatusOr<ConfigFile> config = ConfigFile::Load(dir_.path() / "nope.toml", options_);
  EXPECT_TRUE(absl::IsNotFound(config.status())) << config.status();
}

TEST_F(ConfigFileTest, LocateNamesTheLineOfAFieldALaterCheckRefuses) {
  auto path = Write("api_listen = \"0.0.0.0:7700\"\n[model]\nreview_risk = 0.5\ndeny_risk = 0.4\n");
  absl::StatusOr<ConfigFile> config = ConfigFile::Load(path, options_);
  ASSERT_TRUE(config.ok()) << config.status();
  absl::Status model = config->Locate(options_.node.model.Validate());
  EXPECT_NE(model.message().find("authnetd.toml:4: model.deny_risk: 0.4 is outside"),
            std::string::npos)
      << model.message();
  absl::Status flag = config->Locate(absl::InvalidArgumentError("--api-listen: needs TLS"));
  EXPECT_NE(flag.message().find("authnetd.toml:1: api_listen: needs TLS"), std::string::npos)
      << flag.message();
  // A setting the file did not make is left as it was.
  absl::Status other = config->Locate(absl::InvalidArgumentError("--bundle: is required"));
  EXPECT_EQ(other.message(), "--bundle: is required");
}

}  // namespace
}  // namespace authnet
