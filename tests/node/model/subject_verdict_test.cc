#include "node/model/subject_verdict.h"

#include <gtest/gtest.h>

namespace authnet {
namespace {

constexpr uint32_t kToday = 20000;

OriginEvidence Evidence(uint16_t origin, bool local, v1::SignalKind kind, double weight,
                        uint32_t count = 1) {
  OriginEvidence e;
  e.origin = origin;
  e.local = local;
  e.weight[kind] = weight;
  e.count[kind] = count;
  e.newest_day[kind] = kToday - 2;
  return e;
}

TEST(SubjectVerdictTest, NoEvidenceAllows) {
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_UNIT, {}, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_ALLOW);
  EXPECT_EQ(v.risk, 0);
  EXPECT_TRUE(v.reasons.empty());
}

TEST(SubjectVerdictTest, OwnConfirmedCounterfeitDeniesLocally) {
  std::vector<OriginEvidence> ev = {Evidence(0, true, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1.0)};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_DENY);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0].code(), "counterfeit_confirmed");
  EXPECT_EQ(v.reasons[0].members(), 1u);
  EXPECT_TRUE(v.reasons[0].local());
  EXPECT_EQ(v.reasons[0].newest_age_days(), 2u);
}

TEST(SubjectVerdictTest, OneNetworkMemberAloneOnlyReviews) {
  std::vector<OriginEvidence> ev = {Evidence(1, false, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1.0)};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_REVIEW);
  EXPECT_LE(v.risk, ModelOptions().member_cap);
}

TEST(SubjectVerdictTest, TwoNetworkMembersDeny) {
  std::vector<OriginEvidence> ev = {Evidence(1, false, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1.0),
                                    Evidence(2, false, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1.0)};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_DENY);
  EXPECT_EQ(v.adverse_origins.size(), 2u);
  ASSERT_FALSE(v.reasons.empty());
  EXPECT_EQ(v.reasons[0].members(), 2u);
}

TEST(SubjectVerdictTest, KIsConfigurable) {
  ModelOptions options;
  options.deny_min_members = 3;
  std::vector<OriginEvidence> ev = {Evidence(1, false, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1.0),
                                    Evidence(2, false, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1.0)};
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, options).decision,
            v1::DECISION_REVIEW);
}

TEST(SubjectVerdictTest, WeakEvidenceStaysAllow) {
  // A suspicion at a tenth of full weight is below the review band.
  std::vector<OriginEvidence> ev = {Evidence(1, false, v1::SIGNAL_KIND_COUNTERFEIT_SUSPECTED, 0.1)};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_GTIN, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_ALLOW);
  EXPECT_GT(v.risk, 0);
  EXPECT_EQ(v.reasons.size(), 1u);  // still explained
}

TEST(SubjectVerdictTest, UnitSoldByTwoMembersIsCloneSuspected) {
  std::vector<OriginEvidence> ev = {Evidence(1, false, v1::SIGNAL_KIND_UNIT_SOLD, 1.0),
                                    Evidence(2, true, v1::SIGNAL_KIND_UNIT_SOLD, 1.0)};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_REVIEW);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0].code(), "clone_suspected");
  EXPECT_EQ(v.reasons[0].members(), 2u);
}

TEST(SubjectVerdictTest, UnitSoldOnceIsFine) {
  std::vector<OriginEvidence> ev = {Evidence(1, false, v1::SIGNAL_KIND_UNIT_SOLD, 1.0)};
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, ModelOptions()).decision,
            v1::DECISION_ALLOW);
}

TEST(SubjectVerdictTest, SupplierWithOneFailureAmongManyPassesIsAllowed) {
  OriginEvidence e = Evidence(1, false, v1::SIGNAL_KIND_VERIFICATION_PASSED, 10000, 10000);
  e.weight[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 1;
  e.count[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 1;
  std::vector<OriginEvidence> ev = {e};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_SUPPLIER, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_ALLOW);
  EXPECT_LT(v.risk, 0.01);
}

TEST(SubjectVerdictTest, SupplierFailingThirtyPercentIsDenied) {
  // 60 failures and 140 passes, from two members.
  OriginEvidence a = Evidence(1, false, v1::SIGNAL_KIND_VERIFICATION_PASSED, 70, 70);
  a.weight[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 30;
  OriginEvidence b = a;
  b.origin = 2;
  std::vector<OriginEvidence> ev = {a, b};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_SUPPLIER, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_DENY);
  EXPECT_NEAR(v.risk, 60.5 / 210, 1e-9);
  EXPECT_EQ(v.reasons.back().code(), "reputation");
}

TEST(SubjectVerdictTest, SupplierDenyFromOneNetworkMemberNeedsK) {
  OriginEvidence a = Evidence(1, false, v1::SIGNAL_KIND_VERIFICATION_PASSED, 140, 140);
  a.weight[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 60;
  std::vector<OriginEvidence> ev = {a};
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_SELLER, ev, kToday, ModelOptions()).decision,
            v1::DECISION_REVIEW);
  ev[0].local = true;  // the same evidence of our own denies locally
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_SELLER, ev, kToday, ModelOptions()).decision,
            v1::DECISION_DENY);
}

}  // namespace
}  // namespace authnet
