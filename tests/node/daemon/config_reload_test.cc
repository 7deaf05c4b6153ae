// ConfigReloader on a real in-process node: what a reload applies live
// (model thresholds, rate limits, log level), what it names as needing a
// restart, what a flag overrides, and a bad file changing nothing.
#include "node/daemon/config_reload.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "authnet/v1/admin.grpc.pb.h"
#include "authnet/v1/checkout.grpc.pb.h"
#include "spdlog/sinks/ringbuffer_sink.h"
#include "tests/testing/node_fixture.h"

namespace authnet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kGtin[] = "4006381333931";

TEST(ConfigReloadKeysTest, LiveKeysAndKeysFlagsSet) {
  EXPECT_TRUE(TakesEffectLive("log.level"));
  EXPECT_TRUE(TakesEffectLive("model.deny_risk"));
  EXPECT_TRUE(TakesEffectLive("model.not_commissioned_decision"));
  EXPECT_TRUE(TakesEffectLive("limits.api_calls_per_second"));
  EXPECT_TRUE(TakesEffectLive("limits.peer_burst"));
  EXPECT_TRUE(TakesEffectLive("peers"));
  EXPECT_FALSE(TakesEffectLive("model.record_ttl_days"));
  EXPECT_FALSE(TakesEffectLive("limits.max_batch_checks"));
  EXPECT_FALSE(TakesEffectLive("log.format"));
  EXPECT_FALSE(TakesEffectLive("metrics_listen"));
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags({"--log-level", "debug", "--api-require-tls", "--peers", "a:1"},
                 {"log-level", "peers"}, {"api-require-tls"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(KeysSetByFlags(*flags),
            (std::set<std::string>{"api.require_tls", "log.level", "peers"}));
}

class ConfigReloadTest : public testing::OneNodeTest {
 protected:
  ConfigReloadTest() : file_(dir_.path() / "authnetd.toml") {}

  // Write makes the configuration file: the node's own settings, then `extra`.
  void Write(const std::string& extra) {
    std::ofstream out(file_);
    out << "bundle = \"" << options_.bundle_dir.string() << "\"\n"
        << "data = \"" << options_.data_dir.string() << "\"\n"
        << "api_listen = \"" << options_.api_listen << "\"\n"
        << "peer_listen = \"" << options_.peer_listen << "\"\n"
        << extra;
  }

  // StartWith starts the node from the file as written and a reloader of it.
  void StartWith(const std::vector<std::string>& args = {}) {
    DaemonOptions options;
    absl::StatusOr<ConfigFile> file = ConfigFile::Load(file_, options);
    ASSERT_TRUE(file.ok()) << file.status();
    absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"log-level"}, {});
    ASSERT_TRUE(flags.ok()) << flags.status();
    ApplyFlags(*flags, options);
    options_ = options.node;
    Start();
    sink_->set_level(spdlog::level::from_str(options.log_level));
    reloader_.emplace(file_, *flags, *file, options, *node_, sink_,
                      std::make_shared<spdlog::logger>("node", sink_));
  }

  std::string Logged() {
    std::string all;
    for (const spdlog::details::log_msg_buffer& m : sink_->last_raw()) {
      all.append(m.payload.data(), m.payload.size()).append("\n");
    }
    return all;
  }

  Decision CheckUnit() {
    absl::StatusOr<CheckResult> r = client_->Check({.gtin = kGtin, .serial = "SN-1"});
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r.ok() && r->degraded) << "the node did not answer";
    return r.ok() ? r->decision : Decision::kAllow;
  }

  std::filesystem::path file_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  std::optional<ConfigReloader> reloader_;
};

TEST_F(ConfigReloadTest, ModelThresholdsAndLogLevelApplyLiveOthersNeedARestart) {
  Write("[model]\nlocal_deny_weight = 0.5\n");
  StartWith();
  ASSERT_TRUE(
      client_->Report({.gtin = kGtin, .serial = "SN-1"}, SignalKind::kCounterfeitConfirmed, 0.6)
          .ok());
  EXPECT_EQ(CheckUnit(), Decision::kDeny);  // own evidence 0.6 >= 0.5

  Write(
      "[log]\nlevel = \"warn\"\n[model]\nlocal_deny_weight = 0.9\n"
      "[limits]\nmax_batch_checks = 50\n");
  absl::StatusOr<ReloadOutcome> done = reloader_->Reload();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->applied, ElementsAre("log.level", "model.local_deny_weight"));
  EXPECT_THAT(done->restart, ElementsAre("limits.max_batch_checks"));
  EXPECT_THAT(done->overridden, IsEmpty());
  EXPECT_NE(CheckUnit(), Decision::kDeny);  // 0.6 < 0.9: no longer a local deny
  EXPECT_EQ(sink_->level(), spdlog::level::warn);
  EXPECT_THAT(Logged(), HasSubstr("configuration reloaded from " + file_.string() +
                                  ": applied log.level, model.local_deny_weight; need a restart "
                                  "to take effect: limits.max_batch_checks"));

  // Nothing new since: nothing applied; the restart key is still named.
  done = reloader_->Reload();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->applied, IsEmpty());
  EXPECT_THAT(done->restart, ElementsAre("limits.max_batch_checks"));
}

TEST_F(ConfigReloadTest, RateLimitsApplyLive) {
  Write("");
  StartWith();
  auto stub = v1::CheckoutService::NewStub(
      grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()));
  auto check = [&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::CheckRequest req;
    req.mutable_subjects()->set_gtin(kGtin);
    v1::CheckResponse resp;
    return stub->Check(&ctx, req, &resp).error_code();
  };
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(check(), grpc::StatusCode::OK);
  }
  // One a second after a burst of 10,000 (the largest batch must fit in it).
  Write("[limits]\napi_calls_per_second = 1\napi_burst = 10000\n");
  absl::StatusOr<ReloadOutcome> done = reloader_->Reload();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->applied, ElementsAre("limits.api_burst", "limits.api_calls_per_second"));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::CheckBatchRequest batch;
  for (int i = 0; i < 10'000; ++i) {
    batch.add_checks()->mutable_subjects()->set_gtin(kGtin);
  }
  v1::CheckBatchResponse answers;
  grpc::Status spent = stub->CheckBatch(&ctx, batch, &answers);
  ASSERT_TRUE(spent.ok()) << spent.error_message();  // the whole burst
  EXPECT_EQ(check(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

// The addresses the node dials, as its Status lists them.
std::vector<std::string> Dialed(const std::string& api) {
  auto stub =
      v1::AdminService::NewStub(grpc::CreateChannel(api, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::StatusResponse resp;
  EXPECT_TRUE(stub->Status(&ctx, v1::StatusRequest(), &resp).ok());
  std::vector<std::string> out;
  for (const v1::PeerStatus& p : resp.peers()) {
    out.push_back(p.address());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(ConfigReloadTest, PeersChangeLiveButNotToTheRostersEndpoints) {
  Write("peers = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n");
  StartWith();
  EXPECT_THAT(Dialed(options_.api_listen), ElementsAre("127.0.0.1:1", "127.0.0.1:2"));
  Write("peers = [\"127.0.0.1:2\", \"127.0.0.1:3\"]\n");
  absl::StatusOr<ReloadOutcome> done = reloader_->Reload();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->applied, ElementsAre("peers"));
  EXPECT_THAT(Dialed(options_.api_listen), ElementsAre("127.0.0.1:2", "127.0.0.1:3"));
  // No list: the roster's endpoints, which only a restart switches to.
  Write("");
  done = reloader_->Reload();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->applied, IsEmpty());
  EXPECT_THAT(done->restart, ElementsAre("peers"));
  EXPECT_THAT(Dialed(options_.api_listen), ElementsAre("127.0.0.1:2", "127.0.0.1:3"));
}

TEST_F(ConfigReloadTest, ABadFileIsRefusedAndChangesNothing) {
  Write("[log]\nlevel = \"info\"\n");
  StartWith();
  Write("[log]\nlevel = \"warn\"\n[model]\ndeny_risk = \"high\"\n");
  absl::StatusOr<ReloadOutcome> done = reloader_->Reload();
  ASSERT_FALSE(done.ok());
  EXPECT_THAT(std::string(done.status().message()),
              HasSubstr(file_.string() + ":8: model.deny_risk: expected a number"));
  EXPECT_EQ(sink_->level(), spdlog::level::info);
  // Valid TOML, but values the node refuses (review above deny).
  Write("[log]\nlevel = \"warn\"\n[model]\nreview_risk = 0.9\ndeny_risk = 0.5\n");
  done = reloader_->Reload();
  ASSERT_FALSE(done.ok());
  EXPECT_THAT(std::string(done.status().message()), HasSubstr("deny_risk"));
  EXPECT_EQ(sink_->level(), spdlog::level::info);
  // The file fixed: the level changes (the refused files never counted).
  Write("[log]\nlevel = \"warn\"\n");
  done = reloader_->Reload();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->applied, ElementsAre("log.level"));
}

TEST_F(ConfigReloadTest, AKeyAFlagSetsIsNamedNotApplied) {
  Write("[log]\nlevel = \"info\"\n");
  StartWith({"--log-level", "error"});
  EXPECT_EQ(sink_->level(), spdlog::level::err);
  Write("[log]\nlevel = \"debug\"\n");
  absl::StatusOr<ReloadOutcome> done = reloader_->Reload();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->applied, IsEmpty());
  EXPECT_THAT(done->overridden, ElementsAre("log.level"));
  EXPECT_EQ(sink_->level(), spdlog::level::err);
}

}  // namespace
}  // namespace authnet
