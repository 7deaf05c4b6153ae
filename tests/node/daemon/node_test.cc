// In-process integration tests: a real Node with a real bundle, listening on
// a unix socket and a loopback peer port, driven through the SDK.
#include "node/daemon/node.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <iterator>

#include "authnet/client.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "authnet/v1/checkout.grpc.pb.h"
#include "authnet/v1/peer.grpc.pb.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/member_bundle.h"
#include "node/core/hex.h"
#include "node/ctl/node_commands.h"
#include "node/ctl/roster_view.h"
#include "spdlog/sinks/null_sink.h"
#include "tests/testing/node_fixture.h"
#include "tests/testing/peer_client.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

constexpr char kGtin[] = "4006381333931";

class NodeTest : public testing::OneNodeTest {
 protected:
  v1::StatusResponse NodeStatus() {
    auto stub = v1::AdminService::NewStub(
        grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    v1::StatusResponse resp;
    EXPECT_TRUE(stub->Status(&ctx, v1::StatusRequest(), &resp).ok());
    return resp;
  }
};

TEST_F(NodeTest, ReportedCounterfeitUnitIsDeniedAndOtherSerialsAllowed) {
  Start();
  auto report =
      client_->Report({.gtin = kGtin, .serial = "SN-0001"}, SignalKind::kCounterfeitConfirmed);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->accepted, 1u);
  EXPECT_EQ(report->seq, 1u);

  auto check = client_->Check({.gtin = kGtin, .serial = "SN-0001"});
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->decision, Decision::kDeny);
  EXPECT_FALSE(check->degraded);
  ASSERT_FALSE(check->reasons.empty());
  EXPECT_EQ(check->reasons[0].subject_type, "unit");
  EXPECT_EQ(check->reasons[0].code, "counterfeit_confirmed");
  EXPECT_TRUE(check->reasons[0].local);

  // Normalization: the same unit written differently is the same unit; a
  // serial is case-sensitive (GS1 AI 21), so another case is another unit.
  auto same = client_->Check({.gtin = " 04006381333931", .serial = "SN-0001 "});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->decision, Decision::kDeny);
  auto lower = client_->Check({.gtin = kGtin, .serial = "sn-0001"});
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->decision, Decision::kAllow);

  auto other = client_->Check({.gtin = kGtin, .serial = "SN-0002"});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->decision, Decision::kAllow);
  EXPECT_TRUE(other->reasons.empty());
}

TEST_F(NodeTest, CheckBatchAnswersInOrder) {
  Start();
  ASSERT_TRUE(client_->Report({.seller = "shady-store"}, SignalKind::kCounterfeitConfirmed).ok());
  ASSERT_TRUE(
      client_->Report({.gtin = kGtin, .serial = "X"}, SignalKind::kCounterfeitConfirmed).ok());
  auto results = client_->CheckBatch(
      {{.gtin = kGtin, .serial = "X"}, {.gtin = kGtin, .serial = "Y"}, {.seller = "SHADY-STORE"}});
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].decision, Decision::kDeny);
  EXPECT_EQ((*results)[1].decision, Decision::kAllow);
  EXPECT_EQ((*results)[2].decision, Decision::kReview);  // one confirmed sale: reputation review
  EXPECT_EQ((*results)[2].reasons.back().code, "reputation");

  auto bad = client_->CheckBatch({{.gtin = kGtin}, {.gtin = "4006381333932"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("checks[1].subjects.gtin"), absl::string_view::npos)
      << bad.status();
}

TEST_F(NodeTest, BadInputIsRejectedNamingTheFieldAndStoresNothing) {
  Start();
  struct Case {
    Subjects subjects;
    double weight;
    std::string field;
  };
  std::vector<Case> cases = {
      {{.gtin = "4006381333932", .serial = "S"}, 1.0, "gtin: check digit is 2, expected 1"},
      {{.gtin = "12345"}, 1.0, "gtin: must be 8, 12, 13 or 14 digits"},
      {{}, 1.0, "subjects: at least one"},
      {{.serial = "S"}, 1.0, "serial: requires gtin"},
      {{.gtin = kGtin}, 1.5, "weight: 1.5 is outside [0, 1]"},
      {{.gtin = kGtin}, -0.1, "weight"},
      {{.nfc_uid = "zz"}, 1.0, "nfc_uid: must be hex digits"},
      {{.supplier = "   "}, 1.0, "supplier: is empty"},
  };
  for (const Case& c : cases) {
    auto r = client_->Report(c.subjects, SignalKind::kCounterfeitConfirmed, c.weight);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(r.status().message().find(c.field), absl::string_view::npos)
        << "want '" << c.field << "' in: " << r.status();
  }
  // An unknown kind, as a client written against a newer proto would send.
  auto stub = v1::CheckoutService::NewStub(
      grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()));
  for (int kind : {0, 99}) {
    v1::ReportRequest req;
    req.mutable_subjects()->set_gtin(kGtin);
    req.set_kind(static_cast<v1::SignalKind>(kind));
    v1::ReportResponse resp;
    grpc::ClientContext ctx;
    grpc::Status st = stub->Report(&ctx, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(st.error_message().rfind("kind: ", 0), 0u) << st.error_message();
  }
  EXPECT_EQ(NodeStatus().records(), 0u);
}

TEST_F(NodeTest, RetriedReportWithTheSameKeyCountsOnce) {
  Start();
  Subjects s{.supplier = "acme-supplies"};
  auto first = client_->Report(s, SignalKind::kVerificationFailed, 1.0, "inspection-77");
  ASSERT_TRUE(first.ok());
  auto retry = client_->Report(s, SignalKind::kVerificationFailed, 1.0, "inspection-77");
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->seq, first->seq);
  EXPECT_EQ(NodeStatus().records(), 1u);
  auto misuse = client_->Report(s, SignalKind::kVerificationPassed, 1.0, "inspection-77");
  EXPECT_EQ(misuse.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NodeStatus().records(), 1u);
}

TEST_F(NodeTest, WatchAlertsStreamsASuppliersSuddenRiseInFailures) {
  Start();
  Subjects s{.supplier = "GLN 4012345000009"};
  auto report = [&](SignalKind kind, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(client_->Report(s, kind).ok());
    }
  };
  // History: 20 passes and one failure.
  report(SignalKind::kVerificationPassed, 20);
  report(SignalKind::kVerificationFailed, 1);
  clock_.AdvanceDays(10);

  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()));
  grpc::ClientContext watch_ctx;
  watch_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchAlertsRequest follow;
  follow.set_follow(true);
  auto watch = stub->WatchAlerts(&watch_ctx, follow);

  // Ten days later, half of the supplier's checks fail.
  report(SignalKind::kVerificationPassed, 10);
  report(SignalKind::kVerificationFailed, 10);

  v1::SupplierAlert alert;
  ASSERT_TRUE(watch->Read(&alert));
  EXPECT_EQ(alert.id(), 1u);
  EXPECT_EQ(alert.day(), 20410u);
  EXPECT_EQ(alert.records_before(), 21u);
  EXPECT_EQ(alert.records_after(), 20u);
  EXPECT_NEAR(alert.rate_before(), 1.5 / 31, 1e-9);
  EXPECT_NEAR(alert.rate_after(), 10.5 / 30, 1e-9);
  EXPECT_EQ(alert.members(), 1u);
  EXPECT_EQ(alert.supplier_digest().size(), 32u);
  watch_ctx.TryCancel();
  watch->Finish();

  // Without follow: the alerts held, then the end of the stream.
  grpc::ClientContext once_ctx;
  once_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto once = stub->WatchAlerts(&once_ctx, v1::WatchAlertsRequest());
  v1::SupplierAlert again;
  ASSERT_TRUE(once->Read(&again));
  EXPECT_EQ(again.SerializeAsString(), alert.SerializeAsString());
  EXPECT_FALSE(once->Read(&again));
  EXPECT_TRUE(once->Finish().ok());

  // authnetctl alerts prints one line per alert: day, digest prefix, rates, counts.
  std::string prefix = HexEncode(alert.supplier_digest()).substr(0, 16);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunAlerts({"--node", options_.api_listen, "--no-follow"}), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "2025-11-18 supplier " + prefix +
                " adverse rate 0.048 -> 0.350, 20 records in the last 7 days (1 member; 21 "
                "records before)\n");
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunAlerts({"--node", options_.api_listen, "--no-follow", "--json"}), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "{\"id\": 1, \"day\": \"2025-11-18\", \"supplier\": \"" + prefix +
                "\", \"rate_before\": 0.04838709677419355, \"rate_after\": 0.35, \"records\": 20, "
                "\"records_before\": 21, \"members\": 1, \"window_days\": 7}\n");
}

TEST_F(NodeTest, AlertsWithoutAnySaySoAndJsonPrintsNoLine) {
  Start();
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunAlerts({"--node", options_.api_listen, "--no-follow"}), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "no supplier alerts held by the node " + options_.api_listen + "\n");
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunAlerts({"--node", options_.api_listen, "--no-follow", "--json"}), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");  // one object a line: none
}

TEST_F(NodeTest, RosterShowPrintsTheRosterTheNodeHolds) {
  Start();
  absl::StatusOr<Roster> bundled = MemberBundle::LoadRoster(options_.bundle_dir);
  ASSERT_TRUE(bundled.ok()) << bundled.status();
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunRosterShow({"--node", options_.api_listen, "--json"}), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), RosterJson(*bundled) + "\n");
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunRosterShow({"--node", options_.api_listen}), 0);
  std::string text = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(text.rfind("network \"testnet\", roster version 2, expires ", 0), 0u) << text;
  EXPECT_NE(text.find("\nacme "), std::string::npos) << text;

  node_.reset();
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunRosterShow({"--node", options_.api_listen}), 1);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("is authnetd running"),
            std::string::npos);
}

TEST_F(NodeTest, RetractWithdrawsAReport) {
  Start();
  Subjects unit{.gtin = kGtin, .serial = "R-1", .seller = "s1"};
  auto report = client_->Report(unit, SignalKind::kCounterfeitConfirmed);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->accepted, 2u);  // unit and seller
  EXPECT_EQ(client_->Check(unit)->decision, Decision::kDeny);
  auto retract = client_->Retract(report->seq, report->accepted);
  ASSERT_TRUE(retract.ok()) << retract.status();
  EXPECT_EQ(retract->retracted, 2u);
  EXPECT_EQ(client_->Check(unit)->decision, Decision::kAllow);
  EXPECT_EQ(client_->Retract(99).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client_->Retract(0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(NodeTest, ReportsSurviveARestartAndSeqsContinue) {
  Start();
  ASSERT_TRUE(
      client_->Report({.gtin = kGtin, .serial = "P-1"}, SignalKind::kCounterfeitConfirmed).ok());
  std::string fingerprint = NodeStatus().model_fingerprint();
  Start();  // a new node on the same data dir
  EXPECT_EQ(client_->Check({.gtin = kGtin, .serial = "P-1"})->decision, Decision::kDeny);
  v1::StatusResponse status = NodeStatus();
  EXPECT_EQ(status.records(), 1u);
  EXPECT_EQ(status.model_fingerprint(), fingerprint);
  auto next = client_->Report({.gtin = kGtin, .serial = "P-2"}, SignalKind::kCounterfeitConfirmed);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 2u);
}

TEST_F(NodeTest, StatusDescribesTheNode) {
  Start();
  ASSERT_TRUE(client_->Report({.gtin = kGtin}, SignalKind::kCounterfeitSuspected).ok());
  v1::StatusResponse s = NodeStatus();
  EXPECT_EQ(s.member(), "acme");
  EXPECT_EQ(s.network(), "testnet");
  EXPECT_EQ(s.roster_version(), 2u);  // version 1 was empty; adding acme made 2
  EXPECT_EQ(s.records(), 1u);
  EXPECT_EQ(s.model_fingerprint().size(), 64u);
  EXPECT_EQ(s.version_vector().at("acme"), 1u);
  EXPECT_EQ(s.today(), 20400u);
}

TEST_F(NodeTest, ServesTheStandardHealthService) {
  Start();
  // grpc.health.v1.Health/Check with an empty HealthCheckRequest; the reply
  // HealthCheckResponse{status: SERVING} encodes as 08 01.
  auto channel = grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice empty("", 0);
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer reply;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &reply,
                    [&](grpc::Status st) { done.set_value(st); });
  grpc::Status st = done.get_future().get();
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(reply.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

TEST_F(NodeTest, NoRawIdentifierReachesTheDataDirectory) {
  Start();
  const std::string serial = "RAWSERIAL-8c1f2e";
  const std::string supplier = "rawsupplier-5d7b";
  ASSERT_TRUE(client_
                  ->Report({.gtin = kGtin, .serial = serial, .supplier = supplier},
                           SignalKind::kCounterfeitConfirmed, 1.0, "order-4711")
                  .ok());
  node_.reset();  // flush and close
  for (const auto& entry : std::filesystem::recursive_directory_iterator(options_.data_dir)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const std::string& raw : {serial, std::string("rawserial-8c1f2e"), supplier,
                                   std::string("order-4711"), std::string("4006381333931")}) {
      EXPECT_EQ(bytes.find(raw), std::string::npos) << raw << " found in " << entry.path();
    }
  }
}

TEST_F(NodeTest, SdkFailurePolicyWhenTheNodeIsDown) {
  ClientOptions copts;
  copts.target = "unix:" + (dir_.path() / "nobody-here.sock").string();
  copts.failure_policy = FailurePolicy::kFailOpen;
  auto open = Client::Create(copts);
  ASSERT_TRUE(open.ok());
  auto r = (*open)->Check({.gtin = kGtin});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->decision, Decision::kAllow);
  EXPECT_TRUE(r->degraded);
  EXPECT_TRUE(absl::IsUnavailable(r->node_error) || absl::IsDeadlineExceeded(r->node_error))
      << r->node_error;

  copts.failure_policy = FailurePolicy::kFailClosed;
  auto closed = Client::Create(copts);
  ASSERT_TRUE(closed.ok());
  auto batch = (*closed)->CheckBatch({{.gtin = kGtin}, {.seller = "x"}});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[1].decision, Decision::kDeny);
  EXPECT_TRUE((*batch)[1].degraded);

  // Reports never fall back: the caller learns it did not count.
  auto report = (*closed)->Report({.gtin = kGtin}, SignalKind::kCounterfeitConfirmed);
  EXPECT_TRUE(absl::IsUnavailable(report.status()) || absl::IsDeadlineExceeded(report.status()))
      << report.status();

  EXPECT_EQ(Client::Create({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(NodeTest, RefusesANonLoopbackApiAddress) {
  options_.api_listen = "0.0.0.0:0";
  auto node = Node::Create(options_, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.status().message().find("--api-listen"), absl::string_view::npos);
}

TEST_F(NodeTest, RefusesAMissingBundleAndAnotherMembersDataDir) {
  NodeOptions missing = options_;
  missing.bundle_dir = dir_.path() / "no-such-bundle";
  auto node = Node::Create(missing, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.status().message().find("no-such-bundle"), absl::string_view::npos)
      << node.status();

  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(admin->AddMember("globex", "127.0.0.1:7702", {1.0}, dir_.path() / "globex").ok());
  Start();  // acme's node takes the data dir
  node_.reset();
  NodeOptions globex = options_;
  globex.bundle_dir = dir_.path() / "globex";
  auto other = Node::Create(globex, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("belongs to member 'acme'"), absl::string_view::npos)
      << other.status();
}

TEST_F(NodeTest, PeerListenerIsMutualTlsAndRosterAuthorized) {
  // globex is enrolled after acme's bundle was made: acme's node holds
  // roster version 2, which does not list globex yet.
  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(admin->AddMember("globex", "127.0.0.1:7702", {1.0}, dir_.path() / "globex").ok());
  auto other_net = AdminDir::Init(dir_.path() / "other-admin", "othernet");
  ASSERT_TRUE(other_net.ok());
  ASSERT_TRUE(
      other_net->AddMember("acme", "127.0.0.1:7703", {1.0}, dir_.path() / "other-acme").ok());
  Start();
  int port = node_->peer_port();

  v1::GetRosterResponse resp;
  grpc::Status member =
      testing::CallPeerPort(port, options_.bundle_dir, options_.bundle_dir, &resp);
  ASSERT_TRUE(member.ok()) << member.error_message();
  EXPECT_EQ(resp.version(), 2u);
  EXPECT_FALSE(resp.roster().body().empty());

  grpc::Status no_cert = testing::CallPeerPort(port, options_.bundle_dir, {}, &resp);
  EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAVAILABLE) << no_cert.error_message();

  grpc::Status unknown =
      testing::CallPeerPort(port, options_.bundle_dir, dir_.path() / "globex", &resp);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::PERMISSION_DENIED) << unknown.error_message();

  // A member of another network: its certificate is not signed by this CA.
  grpc::Status foreign =
      testing::CallPeerPort(port, options_.bundle_dir, dir_.path() / "other-acme", &resp);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::UNAVAILABLE) << foreign.error_message();
}

}  // namespace
}  // namespace authnet
