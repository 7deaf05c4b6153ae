// A brand's and an observer's node in-process, through the C++ SDK and the
// admin api: the lifecycle decides checks, and overrides and usage survive
// a restart.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "authnet/v1/admin.grpc.pb.h"
#include "tests/testing/node_fixture.h"

namespace authnet {
namespace {

using ::testing::HasSubstr;

constexpr char kGtin[] = "4006381333931";

std::vector<std::string> Codes(const CheckResult& r) {
  std::vector<std::string> codes;
  for (const Reason& reason : r.reasons) {
    codes.push_back(reason.code);
  }
  return codes;
}

class BrandNodeTest : public testing::OneNodeTest {
 protected:
  BrandNodeTest() : OneNodeTest(MemberProfile{1.0, v1::MEMBER_ROLE_BRAND, {"4006381"}}) {}

  std::unique_ptr<v1::AdminService::Stub> Admin() {
    return v1::AdminService::NewStub(
        grpc::CreateChannel(options_.api_listen, grpc::InsecureChannelCredentials()));
  }
};

TEST_F(BrandNodeTest, CommissionedUnitsDecideChecksAndSurviveARestart) {
  Start();
  ASSERT_TRUE(client_->Report({.gtin = kGtin}, SignalKind::kGtinSerialized).ok());
  absl::StatusOr<ReportResult> made =
      client_->ReportUnits(kGtin, {"A1", "A2", "A3"}, SignalKind::kUnitCommissioned, "batch-1");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->accepted, 1u) << "three units packed in one record";
  ASSERT_TRUE(client_->ReportUnits(kGtin, {"A3"}, SignalKind::kUnitDecommissioned).ok());

  auto expect = [&](const std::string& serial, Decision decision, const std::string& code) {
    absl::StatusOr<CheckResult> r = client_->Check({.gtin = kGtin, .serial = serial});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->decision, decision) << serial;
    EXPECT_THAT(Codes(*r), ::testing::ElementsAre(code)) << serial;
  };
  EXPECT_EQ(node_->model().Units(), 3u);
  expect("A1", Decision::kAllow, "commissioned");
  expect("B7", Decision::kReview, "not_commissioned");
  expect("A3", Decision::kDeny, "decommissioned");
  Start();  // the model is rebuilt from the store
  expect("A2", Decision::kAllow, "commissioned");
  expect("A3", Decision::kDeny, "decommissioned");
}

TEST_F(BrandNodeTest, ABrandReportsItsOwnPrefixesOnlyAndAtMostTenThousandUnits) {
  Start();
  absl::StatusOr<ReportResult> other =
      client_->ReportUnits("9506000134352", {"X"}, SignalKind::kUnitCommissioned);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("(4006381)"));
  std::vector<std::string> many(10'001, "S");
  absl::StatusOr<ReportResult> too_many =
      client_->ReportUnits(kGtin, many, SignalKind::kUnitCommissioned);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(too_many.status().message()), HasSubstr("at most 10000"));
  absl::StatusOr<ReportResult> sold = client_->ReportUnits(kGtin, {"A"}, SignalKind::kUnitSold);
  EXPECT_EQ(sold.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(sold.status().message()), HasSubstr("serials: only"));
  EXPECT_EQ(node_->model().Records(), 0u);
}

TEST_F(BrandNodeTest, OverridesAndUsageSurviveARestart) {
  Start();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client_->Check({.gtin = kGtin, .serial = "U1"}).ok());
  }
  v1::AddOverrideRequest add;
  add.mutable_subjects()->set_gtin(kGtin);
  add.mutable_subjects()->set_serial("U1");
  add.set_decision(v1::DECISION_DENY);
  add.set_reason("held at the warehouse");
  v1::Override added;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(Admin()->AddOverride(&ctx, add, &added).ok());
  }
  EXPECT_EQ(added.id(), 1u);
  EXPECT_TRUE(added.keys().empty()) << "the keys stay in the node";
  Start();
  absl::StatusOr<CheckResult> r = client_->Check({.gtin = kGtin, .serial = "U1"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->decision, Decision::kDeny);
  EXPECT_THAT(Codes(*r), ::testing::Contains("local_override"));
  grpc::ClientContext ctx;
  v1::UsageResponse usage;
  ASSERT_TRUE(Admin()->Usage(&ctx, v1::UsageRequest(), &usage).ok());
  uint64_t checks = 0;
  for (const v1::UsageRow& row : usage.rows()) {
    checks += row.checks();
  }
  EXPECT_EQ(checks, 4u) << "three before the restart, one after";
  grpc::ClientContext bad_ctx;
  v1::UsageRequest bad;
  bad.set_month("2026-13");
  grpc::Status st = Admin()->Usage(&bad_ctx, bad, &usage);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("is not YYYY-MM"));
}

TEST_F(BrandNodeTest, AnOverrideWithoutSubjectsOrReasonIsRefused) {
  Start();
  v1::AddOverrideRequest add;
  add.set_decision(v1::DECISION_ALLOW);
  add.set_reason("x");
  v1::Override out;
  grpc::ClientContext ctx;
  grpc::Status st = Admin()->AddOverride(&ctx, add, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("subjects: at least one of"));
  add.mutable_subjects()->set_seller("s");
  add.clear_reason();
  grpc::ClientContext ctx2;
  st = Admin()->AddOverride(&ctx2, add, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("reason:"));
  grpc::ClientContext ctx3;
  v1::ListOverridesResponse list;
  ASSERT_TRUE(Admin()->ListOverrides(&ctx3, {}, &list).ok());
  EXPECT_EQ(list.overrides_size(), 0);
}

class ObserverNodeTest : public testing::OneNodeTest {
 protected:
  ObserverNodeTest() : OneNodeTest(MemberProfile{1.0, v1::MEMBER_ROLE_OBSERVER, {}}) {}
};

TEST_F(ObserverNodeTest, RefusesReportsAndChecks) {
  Start();
  absl::StatusOr<ReportResult> r =
      client_->Report({.gtin = kGtin, .serial = "A"}, SignalKind::kCounterfeitConfirmed);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("is an observer"));
  EXPECT_TRUE(client_->Check({.gtin = kGtin, .serial = "A"}).ok());
  EXPECT_EQ(node_->model().Records(), 0u);
}

}  // namespace
}  // namespace authnet
