// The shared conformance vectors (sdk/conformance/vectors.json) run against
// a real in-process node, through the C++ SDK and over the HTTP/JSON api;
// the Python and TypeScript SDKs run the same file (sdk/python/tests,
// sdk/node/test). What each vector expects is described in the file.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "authnet/client.h"
#include "authnet/v1/checkout.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/node_fixture.h"

namespace authnet {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Outcome is what one step's call came to, whichever way it was made.
struct Outcome {
  std::string error;    // status code name, "" if OK
  std::string message;  // the status message
  std::vector<std::string> decisions;
  std::set<std::string> reason_codes;  // of every result
  bool degraded = false;
  uint64_t accepted = 0, seq = 0, retracted = 0;
  bool replayed = false;
};

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

template <typename M>
M FromJson(const std::string& json) {
  M m;
  auto st = google::protobuf::util::JsonStringToMessage(json, &m);
  EXPECT_TRUE(st.ok()) << st.message() << " in " << json;
  return m;
}

Struct LoadVectors() {
  std::ifstream in(std::string(AUTHNET_SOURCE_DIR) + "/sdk/conformance/vectors.json");
  std::stringstream text;
  text << in.rdbuf();
  return FromJson<Struct>(text.str());
}

const Value& Field(const Struct& s, const std::string& key) {
  static const Value kNull;
  auto it = s.fields().find(key);
  return it == s.fields().end() ? kNull : it->second;
}

// Substitute replaces "${N.field}" strings with step N's result.
void Substitute(Value& v, const std::vector<Outcome>& done) {
  if (v.has_struct_value()) {
    for (auto& [key, inner] : *v.mutable_struct_value()->mutable_fields()) {
      Substitute(inner, done);
    }
    return;
  }
  absl::string_view s = v.string_value();
  if (!absl::ConsumePrefix(&s, "${") || !absl::ConsumeSuffix(&s, "}")) {
    return;
  }
  std::vector<std::string> parts = absl::StrSplit(s, '.');
  size_t step = 0;
  ASSERT_TRUE(parts.size() == 2 && absl::SimpleAtoi(parts[0], &step) && step < done.size() &&
              parts[1] == "seq")
      << "bad reference " << v.string_value();
  v.set_string_value(absl::StrCat(done[step].seq));
}

void AddCheck(const v1::CheckResponse& r, Outcome& o) {
  o.decisions.push_back(v1::Decision_Name(r.decision()));
  for (const v1::Reason& reason : r.reasons()) {
    o.reason_codes.insert(reason.code());
  }
}

// ---- through the C++ SDK ----

Subjects SdkSubjects(const v1::Subjects& s) {
  return {s.gtin(),   s.serial(),  s.lot(),         s.supplier(),
          s.seller(), s.nfc_uid(), s.image_phash(), s.gs1()};
}

SignalKind SdkKind(v1::SignalKind kind) {
  // SIGNAL_KIND_UNSPECIFIED has no SDK value: an out-of-range one goes out
  // as UNSPECIFIED, which the node refuses.
  return kind == v1::SIGNAL_KIND_UNSPECIFIED ? static_cast<SignalKind>(-1)
                                             : static_cast<SignalKind>(kind - 1);
}

Outcome FromSdkCheck(const absl::StatusOr<std::vector<CheckResult>>& r) {
  Outcome o;
  if (!r.ok()) {
    o.error = absl::StatusCodeToString(r.status().code());
    o.message = std::string(r.status().message());
    return o;
  }
  for (const CheckResult& c : *r) {
    o.decisions.push_back(c.decision == Decision::kDeny     ? "DECISION_DENY"
                          : c.decision == Decision::kReview ? "DECISION_REVIEW"
                                                            : "DECISION_ALLOW");
    o.degraded = o.degraded || c.degraded;
    for (const Reason& reason : c.reasons) {
      o.reason_codes.insert(reason.code);
    }
  }
  return o;
}

template <typename T>
Outcome ErrorOrEmpty(const absl::StatusOr<T>& r) {
  Outcome o;
  if (!r.ok()) {
    o.error = absl::StatusCodeToString(r.status().code());
    o.message = std::string(r.status().message());
  }
  return o;
}

Outcome CallSdk(Client& client, const std::string& call, const std::string& request) {
  if (call == "check") {
    absl::StatusOr<CheckResult> r =
        client.Check(SdkSubjects(FromJson<v1::CheckRequest>(request).subjects()));
    return r.ok() ? FromSdkCheck(std::vector<CheckResult>{*r}) : FromSdkCheck(r.status());
  }
  if (call == "check_batch") {
    std::vector<Subjects> checks;
    const auto batch = FromJson<v1::CheckBatchRequest>(request);
    for (const v1::CheckRequest& c : batch.checks()) {
      checks.push_back(SdkSubjects(c.subjects()));
    }
    return FromSdkCheck(client.CheckBatch(checks));
  }
  if (call == "report") {
    auto req = FromJson<v1::ReportRequest>(request);
    absl::StatusOr<ReportResult> r =
        client.Report(SdkSubjects(req.subjects()), SdkKind(req.kind()),
                      req.has_weight() ? req.weight() : 1.0, req.idempotency_key());
    Outcome o = ErrorOrEmpty(r);
    if (r.ok()) {
      o.accepted = r->accepted, o.seq = r->seq, o.replayed = r->replayed;
    }
    return o;
  }
  auto req = FromJson<v1::RetractRequest>(request);
  absl::StatusOr<RetractResult> r = client.Retract(req.seq(), req.count() == 0 ? 1 : req.count());
  Outcome o = ErrorOrEmpty(r);
  if (r.ok()) {
    o.retracted = r->retracted;
  }
  return o;
}

// ---- over HTTP/JSON ----

Outcome CallHttp(httplib::Client& http, const std::string& call, const std::string& request) {
  const std::string path = call == "check_batch" ? "/v1/check-batch" : "/v1/" + call;
  httplib::Result res = http.Post(path, request, "application/json");
  Outcome o;
  if (!res) {
    o.error = "UNAVAILABLE";
    return o;
  }
  if (res->status != 200) {
    Struct body = FromJson<Struct>(res->body);
    o.error = Field(body, "code").string_value();
    o.message = Field(body, "message").string_value();
    return o;
  }
  if (call == "check") {
    AddCheck(FromJson<v1::CheckResponse>(res->body), o);
  } else if (call == "check_batch") {
    const auto batch = FromJson<v1::CheckBatchResponse>(res->body);
    for (const v1::CheckResponse& r : batch.results()) {
      AddCheck(r, o);
    }
  } else if (call == "report") {
    auto r = FromJson<v1::ReportResponse>(res->body);
    o.accepted = r.accepted(), o.seq = r.seq(), o.replayed = r.replayed();
  } else {
    o.retracted = FromJson<v1::RetractResponse>(res->body).retracted();
  }
  return o;
}

// ---- what a step expects ----

void ExpectOutcome(const Outcome& o, const Struct& expect, const std::vector<Outcome>& done,
                   const std::string& where) {
  SCOPED_TRACE(where);
  if (const Value& error = Field(expect, "error"); error.has_string_value()) {
    std::vector<std::string> codes = absl::StrSplit(error.string_value(), '|');
    EXPECT_TRUE(std::find(codes.begin(), codes.end(), o.error) != codes.end())
        << "want " << error.string_value() << ", got " << (o.error.empty() ? "OK" : o.error) << " "
        << o.message;
    if (const Value& field = Field(expect, "field"); field.has_string_value()) {
      EXPECT_EQ(o.message.substr(0, o.message.find(": ")), field.string_value()) << o.message;
    }
    return;
  }
  ASSERT_EQ(o.error, "") << o.message;
  if (const Value& d = Field(expect, "decision"); d.has_string_value()) {
    EXPECT_EQ(o.decisions, std::vector<std::string>{d.string_value()});
  }
  if (const Value& ds = Field(expect, "decisions"); ds.has_list_value()) {
    std::vector<std::string> want;
    for (const Value& d : ds.list_value().values()) {
      want.push_back(d.string_value());
    }
    EXPECT_EQ(o.decisions, want);
  }
  for (const Value& c : Field(expect, "reasonCodes").list_value().values()) {
    EXPECT_TRUE(o.reason_codes.count(c.string_value())) << "no reason " << c.string_value();
  }
  for (const Value& c : Field(expect, "noReasonCodes").list_value().values()) {
    EXPECT_FALSE(o.reason_codes.count(c.string_value())) << "reason " << c.string_value();
  }
  if (const Value& v = Field(expect, "degraded"); v.has_bool_value()) {
    EXPECT_EQ(o.degraded, v.bool_value());
  }
  if (const Value& v = Field(expect, "accepted"); v.has_number_value()) {
    EXPECT_EQ(o.accepted, v.number_value());
  }
  if (const Value& v = Field(expect, "replayed"); v.has_bool_value()) {
    EXPECT_EQ(o.replayed, v.bool_value());
  }
  if (const Value& v = Field(expect, "retracted"); v.has_number_value()) {
    EXPECT_EQ(o.retracted, v.number_value());
  }
  if (Value v = Field(expect, "seq"); !v.has_null_value() && v.kind_case() != Value::KIND_NOT_SET) {
    Substitute(v, done);
    EXPECT_EQ(absl::StrCat(o.seq),
              v.has_number_value() ? absl::StrCat(v.number_value()) : v.string_value());
  }
}

using Caller = std::function<Outcome(const std::string& call, const std::string& request)>;

void RunCases(const Caller& caller) {
  Struct vectors = LoadVectors();
  const auto& cases = Field(vectors, "cases").list_value().values();
  ASSERT_GE(cases.size(), 10);
  for (const Value& c : cases) {
    const Struct& kase = c.struct_value();
    std::vector<Outcome> done;
    int i = 0;
    for (const Value& s : Field(kase, "steps").list_value().values()) {
      const Struct& step = s.struct_value();
      Value request = Field(step, "request");
      Substitute(request, done);
      const std::string call = Field(step, "call").string_value();
      done.push_back(caller(call, ToJson(request)));
      ExpectOutcome(done.back(), Field(step, "expect").struct_value(), done,
                    absl::StrCat(Field(kase, "name").string_value(), ", step ", i++, " (", call,
                                 " ", ToJson(request), ")"));
    }
  }
}

class ConformanceTest : public testing::OneNodeTest {
 protected:
  void SetUp() override {
    options_.http_listen = "127.0.0.1:0";
    Start();
  }
};

TEST_F(ConformanceTest, EveryCaseThroughTheCppSdk) {
  RunCases([this](const std::string& call, const std::string& request) {
    return CallSdk(*client_, call, request);
  });
}

TEST_F(ConformanceTest, EveryCaseOverHttp) {
  httplib::Client http("127.0.0.1", node_->http_port());
  http.set_read_timeout(10, 0);
  RunCases([&http](const std::string& call, const std::string& request) {
    return CallHttp(http, call, request);
  });
}

TEST(ConformanceOfflineTest, FailurePolicyWhenNoNodeAnswers) {
  testing::TempDir dir;
  Struct vectors = LoadVectors();
  for (const Value& c :
       Field(Field(vectors, "offline").struct_value(), "cases").list_value().values()) {
    const Struct& kase = c.struct_value();
    ClientOptions options;
    options.target = "unix:" + (dir.path() / "nobody-listens.sock").string();
    options.report_attempts = 1;
    options.failure_policy = Field(kase, "policy").string_value() == "fail_closed"
                                 ? FailurePolicy::kFailClosed
                                 : FailurePolicy::kFailOpen;
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
    ASSERT_TRUE(client.ok());
    Outcome o =
        CallSdk(**client, Field(kase, "call").string_value(), ToJson(Field(kase, "request")));
    ExpectOutcome(o, Field(kase, "expect").struct_value(), {}, Field(kase, "name").string_value());
  }
}

}  // namespace
}  // namespace authnet
