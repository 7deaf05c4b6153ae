#include "tests/testing/node_fixture.h"

#include "node/bundle/admin_dir.h"
#include "spdlog/sinks/null_sink.h"

namespace authnet::testing {

OneNodeTest::OneNodeTest(const MemberProfile& profile) {
  auto admin = AdminDir::Init(dir_.path() / "admin", "testnet");
  EXPECT_TRUE(admin.ok()) << admin.status();
  auto member = admin->AddMember("acme", "127.0.0.1:7701", profile, dir_.path() / "acme");
  EXPECT_TRUE(member.ok()) << member.status();
  options_.bundle_dir = dir_.path() / "acme";
  options_.data_dir = dir_.path() / "data";
  options_.api_listen = "unix:" + (dir_.path() / "api.sock").string();
  options_.peer_listen = "127.0.0.1:0";
}

void OneNodeTest::Start() {
  client_.reset();
  node_.reset();
  auto node = Node::Create(options_, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
  ASSERT_TRUE(node.ok()) << node.status();
  node_ = *std::move(node);
  ClientOptions copts;
  copts.target = options_.api_listen;
  copts.deadline = std::chrono::seconds(5);
  auto client = Client::Create(copts);
  ASSERT_TRUE(client.ok()) << client.status();
  client_ = *std::move(client);
}

}  // namespace authnet::testing
