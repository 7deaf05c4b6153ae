// In-process tests of what operators watch: metrics, /healthz, the gRPC
// health service, reflection, and the roster adopted from a renewed bundle.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>

#include "authnet/client.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/api_tokens.h"
#include "node/bundle/enrollment.h"
#include "node/bundle/secure_file.h"
#include "node/core/build_info.h"
#include "node/daemon/node.h"
#include "spdlog/sinks/null_sink.h"
#include "tests/testing/api_tls.h"
#include "tests/testing/node_fixture.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

using testing::CallRaw;

// HealthCheckResponse{status: SERVING (1) or NOT_SERVING (2)}, serialized.
const std::string kServing("\x08\x01", 2);
const std::string kNotServing("\x08\x02", 2);

class NodeOperationsTest : public testing::OneNodeTest {
 protected:
  NodeOperationsTest() { options_.metrics_listen = "127.0.0.1:0"; }

  httplib::Result Get(const std::string& path) {
    httplib::Client http("127.0.0.1", node_->metrics_port());
    return http.Get(path);
  }

  // ApiHealth asks grpc.health.v1.Health/Check on the api listener.
  std::string ApiHealth() {
    absl::StatusOr<std::string> resp =
        CallRaw(grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()),
                "/grpc.health.v1.Health/Check", "");
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.value_or("");
  }
};

TEST_F(NodeOperationsTest, MetricsCountCallsByMethodAndCodeAndCommits) {
  Start();
  ASSERT_TRUE(client_->Check({.gtin = "4006381333931"}).ok());
  ASSERT_FALSE(client_->Check({.gtin = "4006381333932"}).ok());  // bad check digit
  ASSERT_TRUE(
      client_
          ->Report({.gtin = "4006381333931", .serial = "SN-1"}, SignalKind::kCounterfeitConfirmed)
          .ok());

  httplib::Result res = Get("/metrics");
  ASSERT_TRUE(res) << "no answer from the metrics listener";
  EXPECT_EQ(res->status, 200);
  const std::string& page = res->body;
  EXPECT_NE(page.find("authnet_rpc_duration_seconds_count{listener=\"api\",method=\"/"
                      "authnet.v1.CheckoutService/Check\",code=\"OK\"} 1\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("authnet_rpc_duration_seconds_count{listener=\"api\",method=\"/"
                      "authnet.v1.CheckoutService/Check\",code=\"INVALID_ARGUMENT\"} 1\n"),
            std::string::npos);
  EXPECT_NE(page.find("authnet_store_commit_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(page.find("authnet_model_records 1\n"), std::string::npos);
  EXPECT_NE(page.find("authnet_model_units 0\n"), std::string::npos);
  EXPECT_NE(page.find("authnet_local_overrides 0\n"), std::string::npos);
  EXPECT_NE(page.find("authnet_origin_records{origin=\"acme\"} 1\n"), std::string::npos);
  EXPECT_NE(page.find("# TYPE authnet_rpc_duration_seconds histogram"), std::string::npos);
  // Nothing identifying: neither the GTIN nor the serial appears.
  EXPECT_EQ(page.find("4006381333931"), std::string::npos);
  EXPECT_EQ(page.find("SN-1"), std::string::npos);

  res = Get("/nothing-here");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(NodeOperationsTest, AJustStartedNodeExportsEveryFamilyAndItsBuild) {
  Start();
  httplib::Result res = Get("/metrics");
  ASSERT_TRUE(res) << "no answer from the metrics listener";
  const std::string& page = res->body;
  // At 0 before the first refusal, so an increase() alert sees the first one.
  EXPECT_NE(page.find("# TYPE authnet_batches_refused_total counter\n"), std::string::npos) << page;
  for (const char* reason : {"conflict", "gap", "unverified", "role", "key_epoch"}) {
    EXPECT_NE(
        page.find("authnet_batches_refused_total{reason=\"" + std::string(reason) + "\"} 0\n"),
        std::string::npos)
        << reason;
  }
  EXPECT_NE(page.find("authnet_rate_limited_total{listener=\"peer\"} 0\n"), std::string::npos);
  EXPECT_NE(page.find("# TYPE authnet_api_checks_total counter\n"), std::string::npos);
  BuildInfo b = GetBuildInfo();
  EXPECT_NE(page.find("authnet_build_info{version=\"" + b.version + "\",commit=\"" + b.commit +
                      "\",grpc=\"" + b.grpc + "\","),
            std::string::npos)
      << page;
}

TEST_F(NodeOperationsTest, HealthIsNotServingOnceTheRosterExpires) {
  Start();
  EXPECT_EQ(ApiHealth(), kServing);
  httplib::Result res = Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(node_->serving());

  // Rosters the admin signs expire a year after signing; the node's clock
  // starts in 2025, so three years on it has expired.
  clock_.AdvanceDays(3 * 365);
  node_->CheckHealthForTest();
  EXPECT_FALSE(node_->serving());
  EXPECT_EQ(ApiHealth(), kNotServing);
  res = Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, "NOT_SERVING\n");
  // Checks are still answered: health steers load balancers, it does not
  // switch the node off.
  EXPECT_TRUE(client_->Check({.gtin = "4006381333931"}).ok());

  // A fresh roster (signed now, pushed to the node) makes it serve again.
  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(admin->RefreshRoster(absl::Hours(24 * 3650)).ok());
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  v1::PushRosterRequest req;
  *req.mutable_roster() = admin->roster().signed_roster();
  v1::PushRosterResponse resp;
  ASSERT_TRUE(stub->PushRoster(&ctx, req, &resp).ok());
  node_->CheckHealthForTest();
  EXPECT_TRUE(node_->serving());
  EXPECT_EQ(ApiHealth(), kServing);
}

TEST_F(NodeOperationsTest, ApiListenerOffersReflection) {
  Start();
  // ServerReflectionRequest{list_services: ""}: field 7, length 0.
  absl::StatusOr<std::string> resp = CallRaw(
      grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()),
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", std::string("\x3a\x00", 2));
  ASSERT_TRUE(resp.ok()) << resp.status();
  const std::string& bytes = *resp;
  EXPECT_NE(bytes.find("authnet.v1.CheckoutService"), std::string::npos);
  EXPECT_NE(bytes.find("authnet.v1.AdminService"), std::string::npos);
  EXPECT_EQ(bytes.find("authnet.v1.PeerService"), std::string::npos);
}

TEST_F(NodeOperationsTest, RenewedBundleRosterIsAdoptedWithoutRestart) {
  Start();
  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok());
  uint64_t before = admin->roster().version();
  // The member asks for a renewal from the keys it holds; the admins
  // answer with public files; the member installs them into the running
  // node's bundle.
  absl::StatusOr<v1::EnrollRequest> request = RenewRequest(options_.bundle_dir, "");
  ASSERT_TRUE(request.ok()) << request.status();
  auto renewed = admin->RenewMember("acme", *request, dir_.path() / "renewal", false);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  ASSERT_TRUE(renewed->complete);
  const v1::RosterMember* acme = admin->roster().Find("acme");
  EXPECT_NE(acme->cert_sha256(), acme->previous_cert_sha256());
  EXPECT_FALSE(acme->previous_cert_sha256().empty());
  ASSERT_TRUE(InstallEnrollment(options_.bundle_dir, dir_.path() / "renewal").ok());
  node_->CheckBundleForTest();
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  v1::StatusResponse status;
  ASSERT_TRUE(stub->Status(&ctx, v1::StatusRequest(), &status).ok());
  EXPECT_EQ(status.roster_version(), before + 1);
  // The renewed bundle still loads (a restart would work too).
  EXPECT_TRUE(MemberBundle::Load(options_.bundle_dir).ok());
  // The node noticed its certificate was replaced (a WARN line, a count).
  EXPECT_NE(node_->metrics().Render().find(
                "authnet_roster_key_changes_total{member=\"acme\",key=\"certificate\"} 1"),
            std::string::npos)
      << node_->metrics().Render();
}

TEST_F(NodeOperationsTest, RemoteApiNeedsTlsAndATokenWithTheRightRole) {
  // The operator's api certificate, for the name clients dial.
  std::string ca_pem = testing::MakeApiCertificate(dir_.path(), "api-node");
  options_.api_listen = "0.0.0.0:0";
  options_.api_tls_cert = dir_.path() / "api.crt";
  options_.api_tls_key = dir_.path() / "api.key";
  std::vector<ApiToken> tokens;
  absl::StatusOr<std::string> checkout = ApiTokenFile::NewToken();
  absl::StatusOr<std::string> admin = ApiTokenFile::NewToken();
  ASSERT_TRUE(checkout.ok() && admin.ok());
  tokens.push_back({"shop", ApiRole::kCheckout, ApiTokenFile::Hash(*checkout)});
  tokens.push_back({"ops", ApiRole::kAdmin, ApiTokenFile::Hash(*admin)});
  ASSERT_TRUE(CreatePrivateDirectory(options_.data_dir).ok());
  ASSERT_TRUE(ApiTokenFile::Write(options_.data_dir, tokens).ok());
  auto node = Node::Create(options_, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
  ASSERT_TRUE(node.ok()) << node.status();
  node_ = *std::move(node);

  auto client = [&](const std::string& token) {
    ClientOptions o;
    o.target = "127.0.0.1:" + std::to_string(node_->api_port());
    o.deadline = std::chrono::seconds(5);
    o.tls = true;
    o.tls_root_certs_pem = ca_pem;
    o.tls_server_name = "api-node";
    o.bearer_token = token;
    auto c = Client::Create(o);
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  };
  // No token: refused, loudly (not a degraded fail-open answer).
  absl::StatusOr<CheckResult> r = client("")->Check({.gtin = "4006381333931"});
  EXPECT_TRUE(absl::IsUnauthenticated(r.status())) << r.status();
  r = client("anet_not-a-token")->Check({.gtin = "4006381333931"});
  EXPECT_TRUE(absl::IsUnauthenticated(r.status())) << r.status();
  r = client(*checkout)->Check({.gtin = "4006381333931"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->degraded);

  // Admin calls need the admin token.
  auto status = [&](const std::string& token) {
    grpc::SslCredentialsOptions roots;
    roots.pem_root_certs = ca_pem;
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("api-node");
    auto channel = grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(node_->api_port()),
        grpc::CompositeChannelCredentials(grpc::SslCredentials(roots),
                                          grpc::AccessTokenCredentials(token)),
        args);
    grpc::ClientContext ctx;
    v1::StatusResponse resp;
    return v1::AdminService::NewStub(channel)->Status(&ctx, v1::StatusRequest(), &resp);
  };
  EXPECT_EQ(status(*checkout).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(status(*admin).ok());
  // The roster too (authnetctl roster show --node): admin tokens only.
  auto show_roster = [&](const std::string& token) {
    grpc::SslCredentialsOptions roots;
    roots.pem_root_certs = ca_pem;
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("api-node");
    auto channel = grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(node_->api_port()),
        grpc::CompositeChannelCredentials(grpc::SslCredentials(roots),
                                          grpc::AccessTokenCredentials(token)),
        args);
    grpc::ClientContext ctx;
    v1::ShowRosterResponse resp;
    grpc::Status st =
        v1::AdminService::NewStub(channel)->ShowRoster(&ctx, v1::ShowRosterRequest(), &resp);
    return std::pair{st.error_code(), resp.roster().body()};
  };
  EXPECT_EQ(show_roster("").first, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(show_roster(*checkout).first, grpc::StatusCode::PERMISSION_DENIED);
  auto [code, body] = show_roster(*admin);
  EXPECT_EQ(code, grpc::StatusCode::OK);
  EXPECT_EQ(body, MemberBundle::LoadRoster(options_.bundle_dir)->signed_roster().body());

  // Plain text to the TLS listener gets nowhere.
  ClientOptions plain;
  plain.target = "127.0.0.1:" + std::to_string(node_->api_port());
  plain.deadline = std::chrono::milliseconds(500);
  plain.failure_policy = FailurePolicy::kFailClosed;
  auto c = Client::Create(plain);
  ASSERT_TRUE(c.ok());
  r = (*c)->Check({.gtin = "4006381333931"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->degraded);
}

TEST_F(NodeOperationsTest, RemoteApiWithoutTlsFilesIsRefusedAtStart) {
  options_.api_listen = "0.0.0.0:0";
  absl::Status st = Node::CheckOptions(options_);
  EXPECT_TRUE(absl::IsInvalidArgument(st));
  EXPECT_NE(st.message().find("--api-tls-cert"), std::string::npos) << st.message();
  ClientOptions o;
  o.target = "127.0.0.1:1";
  o.bearer_token = "anet_x";
  EXPECT_TRUE(absl::IsInvalidArgument(Client::Create(o).status()));  // a token needs TLS
}

}  // namespace
}  // namespace authnet
