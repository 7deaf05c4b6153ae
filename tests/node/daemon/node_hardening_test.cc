// A node under hostile or broken conditions: callers over their rate limit,
// oversized messages, an older roster offered again, a full disk.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "authnet/client.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "authnet/v1/checkout.grpc.pb.h"
#include "node/bundle/admin_dir.h"
#include "node/daemon/node.h"
#include "tests/testing/faulty_vfs.h"
#include "tests/testing/node_fixture.h"
#include "tests/testing/peer_client.h"

namespace authnet {
namespace {

constexpr char kGtin[] = "4006381333931";

class NodeHardeningTest : public testing::OneNodeTest {
 protected:
  void Start() {
    OneNodeTest::Start();
    api_ = grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials());
  }

  grpc::Status Check(const std::string& seller = "") {
    auto stub = v1::CheckoutService::NewStub(api_);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::CheckRequest req;
    req.mutable_subjects()->set_gtin(kGtin);
    req.mutable_subjects()->set_seller(seller);
    v1::CheckResponse resp;
    return stub->Check(&ctx, req, &resp);
  }

  absl::StatusOr<v1::ReportResponse> Report(const std::string& serial) {
    auto stub = v1::CheckoutService::NewStub(api_);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::ReportRequest req;
    req.mutable_subjects()->set_gtin(kGtin);
    req.mutable_subjects()->set_serial(serial);
    req.set_kind(v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
    v1::ReportResponse resp;
    grpc::Status st = stub->Report(&ctx, req, &resp);
    if (!st.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
    }
    return resp;
  }

  v1::StatusResponse NodeStatus() {
    auto stub = v1::AdminService::NewStub(api_);
    grpc::ClientContext ctx;
    v1::StatusResponse resp;
    EXPECT_TRUE(stub->Status(&ctx, v1::StatusRequest(), &resp).ok());
    return resp;
  }

  std::string MetricLine(const std::string& series) {
    std::string page = node_->metrics().Render();
    size_t at = page.find(series + " ");
    return at == std::string::npos ? "" : page.substr(at, page.find('\n', at) - at);
  }

  std::shared_ptr<grpc::Channel> api_;
};

TEST_F(NodeHardeningTest, ApiClientOverItsRateLimitIsResourceExhaustedAndCounted) {
  options_.limits.api.rate = {.per_second = 0.001, .burst = 3};
  options_.checkout.max_batch_checks = 3;  // the largest call must fit in a burst
  options_.checkout.max_retract_count = 3;
  Start();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Check().ok()) << i;
  }
  grpc::Status over = Check();
  EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(over.error_message().find("rate limit"), std::string::npos) << over.error_message();
  EXPECT_EQ(MetricLine("authnet_rate_limited_total{listener=\"api\"}"),
            "authnet_rate_limited_total{listener=\"api\"} 1");
  // The same limit covers admin calls, and a refused call is not answered.
  auto stub = v1::AdminService::NewStub(api_);
  grpc::ClientContext ctx;
  v1::StatusResponse resp;
  EXPECT_EQ(stub->Status(&ctx, v1::StatusRequest(), &resp).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(resp.member().empty());
}

TEST_F(NodeHardeningTest, PeerOverItsRateLimitIsResourceExhaustedAndCounted) {
  options_.limits.peer.rate = {.per_second = 0.001, .burst = 2};
  Start();
  v1::GetRosterResponse resp;
  for (int i = 0; i < 2; ++i) {
    grpc::Status ok =
        testing::CallPeerPort(node_->peer_port(), options_.bundle_dir, options_.bundle_dir, &resp);
    ASSERT_TRUE(ok.ok()) << i << ": " << ok.error_message();
  }
  grpc::Status over =
      testing::CallPeerPort(node_->peer_port(), options_.bundle_dir, options_.bundle_dir, &resp);
  EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << over.error_message();
  EXPECT_EQ(MetricLine("authnet_rate_limited_total{listener=\"peer\"}"),
            "authnet_rate_limited_total{listener=\"peer\"} 1");
  // The api listener has its own limit.
  EXPECT_TRUE(Check().ok());
}

TEST_F(NodeHardeningTest, RefusedPeerCallersAreRateLimitedToo) {
  // globex is enrolled after acme's bundle was made: acme's roster does not
  // list it, so its calls are refused, and past the limit not even logged.
  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(admin->AddMember("globex", "127.0.0.1:7702", {1.0}, dir_.path() / "globex").ok());
  options_.limits.peer.rate = {.per_second = 0.001, .burst = 2};
  Start();
  v1::GetRosterResponse resp;
  for (grpc::StatusCode want :
       {grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    grpc::Status st = testing::CallPeerPort(node_->peer_port(), options_.bundle_dir,
                                            dir_.path() / "globex", &resp);
    EXPECT_EQ(st.error_code(), want) << st.error_message();
  }
  // acme's own bucket is untouched.
  EXPECT_TRUE(
      testing::CallPeerPort(node_->peer_port(), options_.bundle_dir, options_.bundle_dir, &resp)
          .ok());
}

TEST_F(NodeHardeningTest, APeerMessageLimitBelowTheLargestBatchIsRefused) {
  options_.limits.peer.max_message_bytes = 1 << 20;
  absl::Status st = Node::CheckOptions(options_);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("limits.peer_max_message_bytes"));
}

TEST_F(NodeHardeningTest, OversizedMessageIsRefusedAndTheNodeCarriesOn) {
  options_.limits.api.max_message_bytes = 1024;
  Start();
  grpc::Status big = Check(std::string(4000, 's'));
  EXPECT_EQ(big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << big.error_message();
  EXPECT_TRUE(Check("small-seller").ok());
  EXPECT_EQ(NodeStatus().records(), 0u);
}

TEST_F(NodeHardeningTest, CallsOverACountLimitAreResourceExhausted) {
  options_.checkout.max_batch_checks = 2;
  options_.checkout.max_retract_count = 2;
  Start();
  auto stub = v1::CheckoutService::NewStub(api_);
  v1::CheckBatchRequest batch;
  for (int i = 0; i < 3; ++i) {
    batch.add_checks()->mutable_subjects()->set_gtin(kGtin);
  }
  grpc::ClientContext batch_ctx;
  v1::CheckBatchResponse batch_resp;
  grpc::Status many = stub->CheckBatch(&batch_ctx, batch, &batch_resp);
  EXPECT_EQ(many.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(many.error_message().find("limits.max_batch_checks"), std::string::npos);

  ASSERT_TRUE(Report("SN-1").ok());
  v1::RetractRequest retract;
  retract.set_seq(1);
  retract.set_count(3);
  grpc::ClientContext retract_ctx;
  v1::RetractResponse retract_resp;
  EXPECT_EQ(stub->Retract(&retract_ctx, retract, &retract_resp).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(NodeStatus().records(), 1u);
}

TEST_F(NodeHardeningTest, AnOlderRosterIsRefusedAndTheNewerOneKept) {
  Start();
  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok());
  v1::SignedRoster old = admin->roster().signed_roster();
  uint64_t old_version = admin->roster().version();
  ASSERT_TRUE(admin->AddMember("globex", "127.0.0.1:7702", {1.0}, dir_.path() / "globex").ok());
  auto push = [&](const v1::SignedRoster& roster) {
    auto stub = v1::AdminService::NewStub(api_);
    grpc::ClientContext ctx;
    v1::PushRosterRequest req;
    *req.mutable_roster() = roster;
    v1::PushRosterResponse resp;
    EXPECT_TRUE(stub->PushRoster(&ctx, req, &resp).ok());
    return resp;
  };
  v1::PushRosterResponse newer = push(admin->roster().signed_roster());
  EXPECT_TRUE(newer.adopted());
  EXPECT_EQ(newer.version(), old_version + 1);

  // Replaying the older roster (which does not list globex) changes nothing,
  // now or after a restart.
  v1::PushRosterResponse replayed = push(old);
  EXPECT_FALSE(replayed.adopted());
  EXPECT_EQ(replayed.version(), old_version + 1);
  Start();
  EXPECT_EQ(NodeStatus().roster_version(), old_version + 1);
}

TEST_F(NodeHardeningTest, FullDiskRefusesReportsUnavailableAndTheNodeRecoversByItself) {
  testing::FaultyDisk disk;
  Start();
  auto first = Report("SN-1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->seq(), 1u);

  disk.SetFull(true);
  auto refused = Report("SN-2");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_GT(disk.refused_writes(), 0);
  node_->CheckHealthForTest();
  EXPECT_FALSE(node_->serving());
  // Checks still answer from memory; nothing of the refused report counts.
  EXPECT_TRUE(Check().ok());
  EXPECT_EQ(NodeStatus().records(), 1u);
  // While the disk stays full, the node's own probe writes keep failing.
  for (int i = 0; i < 3; ++i) {
    node_->CheckHealthForTest();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(node_->serving());

  // Space returns: no report arrives, yet the node finds out by itself.
  disk.SetFull(false);
  for (int i = 0; i < 200 && !node_->serving(); ++i) {
    node_->CheckHealthForTest();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(node_->serving());
  auto after = Report("SN-2");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->seq(), 2u) << "the refused report used no seq";
  node_.reset();
  Start();
  EXPECT_EQ(NodeStatus().records(), 2u);
  node_.reset();  // before the disk goes away
}

}  // namespace
}  // namespace authnet
