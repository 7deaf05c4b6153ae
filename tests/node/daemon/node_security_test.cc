// A node against the findings of the security review (issue 14): tokens are
// judged per call, never per connection; rate limits charge the work done and
// local callers cannot dodge them; health and reflection answer only whom
// they should; abusive connections are cut; malformed requests are answered
// precisely; a node never goes back to an older roster; shared directories
// are refused; slow HTTP clients do not starve /healthz.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "authnet/v1/admin.grpc.pb.h"
#include "authnet/v1/checkout.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/api_tokens.h"
#include "node/bundle/secure_file.h"
#include "node/daemon/node.h"
#include "spdlog/sinks/null_sink.h"
#include "tests/testing/api_tls.h"
#include "tests/testing/node_fixture.h"
#include "tests/testing/peer_client.h"
#include "tests/testing/raw_call.h"

namespace authnet {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::CallRaw;

constexpr char kGtin[] = "4006381333931";

template <typename F>
bool WaitFor(F done, std::chrono::milliseconds limit = seconds(5)) {
  for (auto until = std::chrono::steady_clock::now() + limit;
       std::chrono::steady_clock::now() < until;) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

class NodeSecurityTest : public testing::OneNodeTest {
 protected:
  // StartRemote starts the node with a TLS api listener that takes bearer
  // tokens: a checkout token "shop" and an admin token "ops". It listens on
  // loopback, told to require TLS there too (--api-require-tls); a
  // non-loopback address needs no telling (NodeOperationsTest).
  void StartRemote() {
    api_ca_ = testing::MakeApiCertificate(dir_.path(), "api-node");
    options_.api_listen = "127.0.0.1:0";
    options_.api_require_tls = true;
    options_.api_tls_cert = dir_.path() / "api.crt";
    options_.api_tls_key = dir_.path() / "api.key";
    checkout_token_ = *ApiTokenFile::NewToken();
    admin_token_ = *ApiTokenFile::NewToken();
    WriteTokens({{"shop", ApiRole::kCheckout, ApiTokenFile::Hash(checkout_token_)},
                 {"ops", ApiRole::kAdmin, ApiTokenFile::Hash(admin_token_)}});
    auto node = Node::Create(options_, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
  }

  void WriteTokens(const std::vector<ApiToken>& tokens) {
    ASSERT_TRUE(CreatePrivateDirectory(options_.data_dir).ok());
    ASSERT_TRUE(ApiTokenFile::Write(options_.data_dir, tokens).ok());
  }

  // RemoteChannel is one TLS connection to the remote api, with no token of
  // its own: each call below brings its own (or none).
  std::shared_ptr<grpc::Channel> RemoteChannel() {
    grpc::SslCredentialsOptions roots;
    roots.pem_root_certs = api_ca_;
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("api-node");
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(node_->api_port()),
                                     grpc::SslCredentials(roots), args);
  }

  static grpc::Status Status(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& token) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
    if (!token.empty()) {
      ctx.AddMetadata("authorization", "Bearer " + token);
    }
    v1::StatusResponse resp;
    return v1::AdminService::NewStub(channel)->Status(&ctx, v1::StatusRequest(), &resp);
  }

  static grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel,
                            const std::string& token = "") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
    if (!token.empty()) {
      ctx.AddMetadata("authorization", "Bearer " + token);
    }
    v1::CheckRequest req;
    req.mutable_subjects()->set_gtin(kGtin);
    v1::CheckResponse resp;
    return v1::CheckoutService::NewStub(channel)->Check(&ctx, req, &resp);
  }

  std::shared_ptr<grpc::Channel> LocalChannel() {
    return grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials());
  }

  std::string MetricLine(const std::string& series) {
    std::string page = node_->metrics().Render();
    size_t at = page.find(series + " ");
    return at == std::string::npos ? "" : page.substr(at, page.find('\n', at) - at);
  }

  std::string api_ca_;
  std::string checkout_token_;
  std::string admin_token_;
};

TEST_F(NodeSecurityTest, EachCallIsJudgedByItsOwnTokenNotByItsConnection) {
  StartRemote();
  std::shared_ptr<grpc::Channel> channel = RemoteChannel();
  // An admin call first, then on the same connection: nothing it granted
  // carries over to the calls after it.
  ASSERT_TRUE(Status(channel, admin_token_).ok());
  EXPECT_EQ(Status(channel, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Check(channel).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Status(channel, checkout_token_).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Check(channel, checkout_token_).ok());
  EXPECT_EQ(Status(channel, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Status(channel, admin_token_).ok());
  grpc::Status malformed = Check(channel, "");
  EXPECT_NE(malformed.error_message().find("bearer token"), std::string::npos);
}

TEST_F(NodeSecurityTest, ALoopbackListenerThatRequiresTlsRefusesPlainText) {
  StartRemote();
  // A plain-text client on the same host gets no answer, token or not.
  auto plain = grpc::CreateChannel("127.0.0.1:" + std::to_string(node_->api_port()),
                                   grpc::InsecureChannelCredentials());
  EXPECT_EQ(Check(plain, checkout_token_).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(Check(RemoteChannel(), checkout_token_).ok());
}

TEST_F(NodeSecurityTest, ARevokedTokenStopsWorkingOnAnOpenConnection) {
  StartRemote();
  std::shared_ptr<grpc::Channel> channel = RemoteChannel();
  ASSERT_TRUE(Check(channel, checkout_token_).ok());
  WriteTokens({{"ops", ApiRole::kAdmin, ApiTokenFile::Hash(admin_token_)}});  // revoke "shop"
  EXPECT_TRUE(WaitFor([&] {
    return Check(channel, checkout_token_).error_code() == grpc::StatusCode::UNAUTHENTICATED;
  }));
  EXPECT_TRUE(Status(channel, admin_token_).ok());  // the same connection, still open
}

TEST_F(NodeSecurityTest, ReflectionIsOffOnARemoteApiListener) {
  StartRemote();
  // ServerReflectionRequest{list_services: ""}, with an admin token even.
  absl::StatusOr<std::string> resp =
      CallRaw(RemoteChannel(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
              std::string("\x3a\x00", 2), {{"authorization", "Bearer " + admin_token_}});
  EXPECT_TRUE(absl::IsUnimplemented(resp.status())) << resp.status();
}

TEST_F(NodeSecurityTest, PeerHealthAnswersOnlyEnrolledMembers) {
  // "ghost" is enrolled after acme's bundle was made: its certificate is
  // signed by the network CA, but the roster acme's node holds does not
  // list it.
  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(admin->AddMember("ghost", "127.0.0.1:7702", {1.0}, dir_.path() / "ghost").ok());
  Start();
  auto health = [&](const std::filesystem::path& client) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status st = grpc::health::v1::Health::NewStub(
                          testing::PeerChannel(node_->peer_port(), options_.bundle_dir, client))
                          ->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp);
    return std::make_pair(st, resp.status());
  };
  auto [member_st, member_status] = health(options_.bundle_dir);
  ASSERT_TRUE(member_st.ok()) << member_st.error_message();
  EXPECT_EQ(member_status, grpc::health::v1::HealthCheckResponse::SERVING);
  auto [ghost_st, ghost_status] = health(dir_.path() / "ghost");
  EXPECT_EQ(ghost_st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << ghost_st.error_message();
  EXPECT_NE(ghost_st.error_message().find("member 'ghost' is not in roster"), std::string::npos);
}

TEST_F(NodeSecurityTest, ABatchOfChecksIsChargedEveryCheckAndAUidIsOneClient) {
  options_.limits.api.rate = {.per_second = 0.001, .burst = 10, .unit = "checks"};
  options_.checkout.max_batch_checks = 10;
  options_.checkout.max_retract_count = 10;
  Start();
  v1::CheckBatchRequest batch;
  for (int i = 0; i < 10; ++i) {
    batch.add_checks()->mutable_subjects()->set_gtin(kGtin);
  }
  {
    grpc::ClientContext ctx;
    v1::CheckBatchResponse resp;
    ASSERT_TRUE(v1::CheckoutService::NewStub(LocalChannel())->CheckBatch(&ctx, batch, &resp).ok());
    EXPECT_EQ(resp.results_size(), 10);
  }
  // A new connection from the same uid is the same client: its bucket is
  // empty.
  grpc::Status over = Check(LocalChannel());
  EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  std::string client = "uid:" + std::to_string(::geteuid());
  EXPECT_NE(over.error_message().find(client), std::string::npos) << over.error_message();
  EXPECT_EQ(MetricLine("authnet_api_checks_total{client=\"" + client + "\"}"),
            "authnet_api_checks_total{client=\"" + client + "\"} 10");
}

TEST_F(NodeSecurityTest, AReportIsChargedItsSubjectsAndCountedPerClient) {
  options_.limits.api.rate = {.per_second = 0.001, .burst = 10, .unit = "checks"};
  options_.checkout.max_batch_checks = 10;
  options_.checkout.max_retract_count = 10;
  Start();
  Subjects four{.gtin = kGtin, .serial = "SN1", .supplier = "acme supply", .seller = "shop 7"};
  ASSERT_TRUE(client_->Report(four, SignalKind::kCounterfeitSuspected, 1.0, "r1").ok());  // 6 left
  ASSERT_TRUE(client_->Report(four, SignalKind::kCounterfeitSuspected, 1.0, "r2").ok());  // 2 left
  absl::StatusOr<ReportResult> over =
      client_->Report(four, SignalKind::kCounterfeitSuspected, 1.0, "r3");
  EXPECT_TRUE(absl::IsResourceExhausted(over.status())) << over.status();
  std::string client = "uid:" + std::to_string(::geteuid());
  EXPECT_EQ(MetricLine("authnet_api_reports_total{client=\"" + client + "\"}"),
            "authnet_api_reports_total{client=\"" + client + "\"} 2");
}

TEST_F(NodeSecurityTest, AMalformedRequestIsInvalidArgument) {
  Start();
  // CheckRequest{subjects{gtin: "\xff"}}: invalid UTF-8 in a string field,
  // which protobuf refuses to parse.
  absl::StatusOr<std::string> resp = CallRaw(LocalChannel(), "/authnet.v1.CheckoutService/Check",
                                             std::string("\x0a\x03\x0a\x01\xff", 5));
  EXPECT_TRUE(absl::IsInvalidArgument(resp.status())) << resp.status();
  EXPECT_EQ(resp.status().message(),
            "request: not a valid request message for /authnet.v1.CheckoutService/Check "
            "(malformed or truncated protobuf)");
  EXPECT_NE(node_->metrics().Render().find(
                "method=\"/authnet.v1.CheckoutService/Check\",code=\"INVALID_ARGUMENT\""),
            std::string::npos);
}

TEST_F(NodeSecurityTest, AConnectionFullOfMalformedCallsIsCutAndItsCallerRefusedForAWhile) {
  options_.limits.abusive_calls = {.per_second = 1, .burst = 5};
  Start();
  std::shared_ptr<grpc::Channel> channel = LocalChannel();
  ASSERT_TRUE(Check(channel).ok());  // a well-behaved call first
  int refused = 0;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::string> resp = CallRaw(channel, "/authnet.v1.CheckoutService/Check",
                                               std::string("\x0a\x03\x0a\x01\xff", 5));
    refused += absl::IsUnavailable(resp.status()) ? 1 : 0;
  }
  EXPECT_GT(refused, 0);  // the connection was closed under it
  EXPECT_EQ(MetricLine("authnet_abusive_connections_closed_total{listener=\"api\"}"),
            "authnet_abusive_connections_closed_total{listener=\"api\"} 1");
  // Its caller (this process's uid) is refused for a while, on any connection.
  EXPECT_EQ(Check(LocalChannel()).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(MetricLine("authnet_connections_refused_total{listener=\"api\",reason=\"banned\"}"),
            "");
}

TEST_F(NodeSecurityTest, ANodeDoesNotGoBackToAnOlderRosterWhenItsCopyIsLost) {
  Start();
  // The admin enrolls another member; the node adopts the new roster.
  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin->AddMember("bravo", "127.0.0.1:7702", {1.0}, dir_.path() / "bravo").ok());
  v1::PushRosterRequest push;
  *push.mutable_roster() = admin->roster().signed_roster();
  grpc::ClientContext ctx;
  v1::PushRosterResponse pushed;
  ASSERT_TRUE(v1::AdminService::NewStub(LocalChannel())->PushRoster(&ctx, push, &pushed).ok());
  ASSERT_TRUE(pushed.adopted());
  client_.reset();
  node_.reset();
  // DATA_DIR/roster.pb is lost; the bundle still holds the older roster.
  std::filesystem::remove(options_.data_dir / "roster.pb");
  auto restarted = Node::Create(options_, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
  ASSERT_FALSE(restarted.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(restarted.status()));
  EXPECT_NE(restarted.status().message().find(
                absl::StrCat("this node adopted roster version ", pushed.version(), " before")),
            std::string::npos)
      << restarted.status();
  // With the current roster put back into the bundle, it starts.
  ASSERT_TRUE(WriteFileAtomically(options_.bundle_dir / "roster.pb",
                                  admin->roster().signed_roster().SerializeAsString(), 0644)
                  .ok());
  Start();
}

TEST_F(NodeSecurityTest, DirectoriesOthersMayWriteAreRefused) {
  std::filesystem::create_directories(options_.data_dir);
  std::filesystem::permissions(options_.data_dir, std::filesystem::perms::group_write,
                               std::filesystem::perm_options::add);
  auto node = Node::Create(options_, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.status().message().find("is writable by group or others"), std::string::npos)
      << node.status();
  std::filesystem::permissions(options_.data_dir, std::filesystem::perms::group_write,
                               std::filesystem::perm_options::remove);
  std::filesystem::permissions(options_.bundle_dir, std::filesystem::perms::others_write,
                               std::filesystem::perm_options::add);
  absl::Status st = Node::CheckOptions(options_);
  EXPECT_TRUE(absl::IsFailedPrecondition(st));
  EXPECT_NE(st.message().find("--bundle: "), std::string::npos) << st;
  EXPECT_NE(st.message().find("chmod go-w"), std::string::npos) << st;
}

TEST_F(NodeSecurityTest, HalfSentHttpRequestsDoNotStarveHealthz) {
  options_.metrics_listen = "127.0.0.1:0";
  Start();
  // Forty clients each send half a request and wait (cpp-httplib's two
  // threads used to block on them until they timed out, 5 s).
  std::vector<int> slow;
  for (int i = 0; i < 40; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(node_->metrics_port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const char half[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    ASSERT_GT(::send(fd, half, sizeof(half) - 1, 0), 0);
    slow.push_back(fd);
  }
  httplib::Client http("127.0.0.1", node_->metrics_port());
  http.set_read_timeout(1, 0);  // well below the 5 s the slow clients held it for
  httplib::Result r = http.Get("/healthz");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "SERVING\n");
  for (int fd : slow) {
    ::close(fd);
  }
}

}  // namespace
}  // namespace authnet
