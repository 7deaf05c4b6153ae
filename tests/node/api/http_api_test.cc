// The HTTP/JSON api on a real in-process node: the same answers as gRPC,
// errors as HTTP statuses with {"code", "message"} bodies, and the same
// limits. The shared conformance vectors also run over HTTP
// (tests/sdk/conformance_test.cc); the OpenAPI document is held to the
// server by tests/integration/openapi_test.py.
#include "node/api/http_api.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/node_fixture.h"

namespace authnet {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Reply {
  int status = 0;
  std::string code;     // of an error body
  std::string message;  // of an error body
  std::string body;
};

class HttpApiTest : public testing::OneNodeTest {
 protected:
  void SetUp() override {
    options_.http_listen = "127.0.0.1:0";
    Start();
    http_ = std::make_unique<httplib::Client>("127.0.0.1", node_->http_port());
    http_->set_read_timeout(10, 0);
    http_->set_tcp_nodelay(true);
  }

  static Reply Read(const httplib::Result& res) {
    Reply r;
    if (!res) {
      return r;
    }
    r.status = res->status;
    r.body = res->body;
    if (res->status != 200) {
      google::protobuf::Struct error;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(res->body, &error).ok()) << res->body;
      r.code = error.fields().at("code").string_value();
      r.message = error.fields().at("message").string_value();
    }
    return r;
  }
  Reply Post(const std::string& path, const std::string& body,
             const std::string& type = "application/json") {
    return Read(http_->Post(path, body, type));
  }

  std::unique_ptr<httplib::Client> http_;
};

TEST_F(HttpApiTest, ReportThenCheckGivesWhatGrpcGives) {
  Reply report = Post("/v1/report",
                      R"({"subjects": {"gtin": "4006381333931", "serial": "HTTP-1"},
                          "kind": "SIGNAL_KIND_COUNTERFEIT_CONFIRMED", "idempotencyKey": "h-1"})");
  ASSERT_EQ(report.status, 200) << report.body;
  v1::ReportResponse reported;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(report.body, &reported).ok());
  EXPECT_EQ(reported.accepted(), 1u);
  EXPECT_THAT(report.body, HasSubstr(R"("seq":"1")"));  // uint64 as a JSON string

  Reply check = Post("/v1/check", R"({"subjects": {"gtin": "4006381333931", "serial": "HTTP-1"}})");
  ASSERT_EQ(check.status, 200);
  v1::CheckResponse over_http;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(check.body, &over_http).ok());
  absl::StatusOr<CheckResult> over_grpc =
      client_->Check({.gtin = "4006381333931", .serial = "HTTP-1"});
  ASSERT_TRUE(over_grpc.ok());
  EXPECT_EQ(over_http.decision(), v1::DECISION_DENY);
  EXPECT_EQ(over_grpc->decision, Decision::kDeny);
  EXPECT_EQ(over_http.reporters(), over_grpc->reporters);
  ASSERT_EQ(over_http.reasons_size(), static_cast<int>(over_grpc->reasons.size()));
  EXPECT_EQ(over_http.reasons(0).code(), over_grpc->reasons[0].code);

  // An allowed check prints its defaults, so clients always see every field.
  Reply allowed = Post("/v1/check", R"({"subjects": {"gtin": "96385074"}})");
  EXPECT_THAT(allowed.body, HasSubstr(R"("risk":0)"));
  EXPECT_THAT(allowed.body, HasSubstr(R"("reasons":[])"));
}

TEST_F(HttpApiTest, ErrorsAreHttpStatusesWithCodeAndMessage) {
  Reply bad = Post("/v1/check", R"({"subjects": {"gtin": "4006381333932"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.code, "INVALID_ARGUMENT");
  EXPECT_EQ(bad.message, "subjects.gtin: check digit is 2, expected 1");

  Reply unknown = Post("/v1/check", R"({"subjects": {"gtin": "96385074"}, "colour": "red"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.message, StartsWith("body: "));

  Reply not_json = Post("/v1/report", "gtin=96385074");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_THAT(not_json.message, StartsWith("body: "));

  Reply empty = Post("/v1/retract", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_THAT(empty.message, HasSubstr("body: empty"));

  Reply form = Post("/v1/check", R"({"subjects": {"gtin": "96385074"}})", "text/plain");
  EXPECT_EQ(form.status, 400);
  EXPECT_EQ(form.message, "Content-Type: send application/json");

  Reply retract = Post("/v1/retract", R"({"seq": "0"})");
  EXPECT_EQ(retract.status, 400);
  EXPECT_THAT(retract.message, StartsWith("seq: "));
}

TEST_F(HttpApiTest, UnknownPathsAndWrongMethodsAreRefused) {
  Reply missing = Post("/v1/checks", "{}");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.code, "NOT_FOUND");
  EXPECT_THAT(missing.message, HasSubstr("/v1/check-batch"));

  Reply get_check = Read(http_->Get("/v1/check"));
  EXPECT_EQ(get_check.status, 405);
  EXPECT_EQ(get_check.code, "UNIMPLEMENTED");
  EXPECT_EQ(get_check.message, "/v1/check takes POST, not GET");
}

TEST_F(HttpApiTest, StatusNamesTheNodeAndItsListeners) {
  Reply status = Read(http_->Get("/v1/status"));
  ASSERT_EQ(status.status, 200) << status.body;
  v1::StatusResponse s;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(status.body, &s).ok());
  EXPECT_EQ(s.member(), "acme");
  EXPECT_EQ(s.listeners().http(), absl::StrCat("127.0.0.1:", node_->http_port()));
  EXPECT_EQ(s.listeners().api(), options_.api_listen);
}

TEST_F(HttpApiTest, ABodyOverTheLimitIsRefused) {
  std::string huge = R"({"checks": [)";
  while (huge.size() < (5u << 20)) {
    huge += R"({"subjects": {"gtin": "96385074"}},)";
  }
  huge.back() = ']';
  huge += "}";
  Reply r = Post("/v1/check-batch", huge);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.code, "RESOURCE_EXHAUSTED");
  EXPECT_THAT(r.message, HasSubstr("limits.api_max_message_bytes"));
}

TEST_F(HttpApiTest, KeepAliveServesManyCallsOnOneConnection) {
  http_->set_keep_alive(true);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Post("/v1/check", R"({"subjects": {"seller": "Shop"}})").status, 200) << i;
  }
}

class HttpApiLimitsTest : public testing::OneNodeTest {};

TEST_F(HttpApiLimitsTest, TheApiRateLimitAppliesOverHttpToo) {
  options_.http_listen = "127.0.0.1:0";
  options_.limits.api.rate = {1, 3, "checks and reported subjects"};
  options_.checkout.max_batch_checks = 3;
  options_.checkout.max_retract_count = 3;
  Start();
  httplib::Client http("127.0.0.1", node_->http_port());
  int refused = 0;
  Reply last;
  for (int i = 0; i < 10; ++i) {
    httplib::Result res =
        http.Post("/v1/check", R"({"subjects": {"gtin": "96385074"}})", "application/json");
    ASSERT_TRUE(res);
    if (res->status == 429) {
      ++refused;
      EXPECT_THAT(res->body, HasSubstr("RESOURCE_EXHAUSTED"));
    }
  }
  EXPECT_GE(refused, 5);
}

TEST(HttpStatusTest, MapsGrpcCodesAsGoogleApisDo) {
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kOk), 200u);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInvalidArgument), 400u);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnauthenticated), 401u);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kPermissionDenied), 403u);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kNotFound), 404u);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kResourceExhausted), 429u);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInternal), 500u);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnavailable), 503u);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kDeadlineExceeded), 504u);
}

}  // namespace
}  // namespace authnet
