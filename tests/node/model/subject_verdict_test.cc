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

TEST(SubjectVerdictTest, SupplierJudgedOnKMembersOrOwnEvidence) {
  // One other member's evidence alone shows in risk and reasons but moves
  // no decision: with k = 2 a supplier is judged on two members' evidence.
  OriginEvidence a = Evidence(1, false, v1::SIGNAL_KIND_VERIFICATION_PASSED, 140, 140);
  a.weight[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 60;
  std::vector<OriginEvidence> ev = {a};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_SELLER, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_ALLOW);
  EXPECT_NEAR(v.risk, 60.5 / 210, 1e-9);
  EXPECT_EQ(v.reasons.back().code(), "reputation");
  ev[0].local = true;  // the same evidence of our own denies locally
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_SELLER, ev, kToday, ModelOptions()).decision,
            v1::DECISION_DENY);
}

TEST(SubjectVerdictTest, OneMembersFloodPlusAFaintSuspicionIsNotTwoWitnesses) {
  // A member flooding confirmations is capped; another member's faint
  // suspicion does not make it two witnesses, so no network deny.
  std::vector<OriginEvidence> ev = {
      Evidence(1, false, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 500, 500),
      Evidence(2, false, v1::SIGNAL_KIND_COUNTERFEIT_SUSPECTED, 0.5)};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_REVIEW);
  EXPECT_EQ(v.adverse_origins.size(), 2u);
  // The same second member with a failed verification is a real witness.
  ev[1] = Evidence(2, false, v1::SIGNAL_KIND_VERIFICATION_FAILED, 1.0);
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, ModelOptions()).decision,
            v1::DECISION_DENY);
}

TEST(SubjectVerdictTest, UnitSoldTwiceByOneMemberIsCloneSuspected) {
  std::vector<OriginEvidence> ev = {Evidence(1, false, v1::SIGNAL_KIND_UNIT_SOLD, 2.0, 2)};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_REVIEW);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0].code(), "clone_suspected");
  EXPECT_EQ(v.reasons[0].members(), 1u);
  EXPECT_EQ(v.reasons[0].score(), 2);
  EXPECT_EQ(v.reasons[0].newest_age_days(), 2u);
  EXPECT_NE(v.reasons[0].summary().find("unit: clone_suspected, unit_sold 2 times by 1 member"),
            std::string::npos)
      << v.reasons[0].summary();

  ModelOptions options;
  options.max_sales_per_unit = 2;  // e.g. a returns desk that resells once
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_UNIT, ev, kToday, options).decision,
            v1::DECISION_ALLOW);
}

TEST(SubjectVerdictTest, CloneDenyIsConfigurableAndKeepsTheKRule) {
  ModelOptions options;
  options.clone_decision = v1::DECISION_DENY;
  // The genuine seller plus one member claiming a sale: review only, or a
  // single member could deny a genuine unit everywhere by inventing a sale.
  std::vector<OriginEvidence> two = {Evidence(1, false, v1::SIGNAL_KIND_UNIT_SOLD, 1.0),
                                     Evidence(2, false, v1::SIGNAL_KIND_UNIT_SOLD, 1.0)};
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_NFC_UID, two, kToday, options).decision,
            v1::DECISION_REVIEW);
  std::vector<OriginEvidence> three = two;
  three.push_back(Evidence(3, false, v1::SIGNAL_KIND_UNIT_SOLD, 1.0));
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_NFC_UID, three, kToday, options).decision,
            v1::DECISION_DENY);
  // One other member reporting two sales reaches review only...
  std::vector<OriginEvidence> one = {Evidence(1, false, v1::SIGNAL_KIND_UNIT_SOLD, 2.0, 2)};
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_UNIT, one, kToday, options).decision,
            v1::DECISION_REVIEW);
  // ... while this member's own two sales deny here.
  one[0].local = true;
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_UNIT, one, kToday, options).decision,
            v1::DECISION_DENY);
  // Only units and tags can be cloned.
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_GTIN, three, kToday, options).decision,
            v1::DECISION_ALLOW);
}

TEST(SubjectVerdictTest, OneMemberCannotSinkASupplierHoweverMuchItReports) {
  // Honest member: 2 failures among 300 passes. Malicious member: 5,000
  // confirmed counterfeits. The flood counts only as much as the second most
  // adverse member's evidence (2 failures): the supplier stays allowed.
  OriginEvidence honest = Evidence(1, false, v1::SIGNAL_KIND_VERIFICATION_PASSED, 300, 300);
  honest.weight[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 2;
  honest.count[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 2;
  OriginEvidence flood = Evidence(2, false, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 5000, 5000);
  std::vector<OriginEvidence> ev = {honest, flood};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_SUPPLIER, ev, kToday, ModelOptions());
  EXPECT_EQ(v.decision, v1::DECISION_ALLOW);
  EXPECT_GT(v.risk, 0.9);  // the raw evidence still shows
  EXPECT_EQ(v.adverse_origins.size(), 2u);

  // A second member failing it makes two witnesses; the flood now counts
  // as much as that member's adverse evidence and no more: review when the
  // second has 40 failures (and 10 passes), deny at 80.
  OriginEvidence second = Evidence(3, false, v1::SIGNAL_KIND_VERIFICATION_PASSED, 10, 10);
  second.weight[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 40;
  ev.push_back(second);
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_SUPPLIER, ev, kToday, ModelOptions()).decision,
            v1::DECISION_REVIEW);
  ev.back().weight[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 80;
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_SUPPLIER, ev, kToday, ModelOptions()).decision,
            v1::DECISION_DENY);

  // With k = 1 the network trusts any single member: deny.
  ModelOptions k1;
  k1.deny_min_members = 1;
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_SUPPLIER, ev, kToday, k1).decision,
            v1::DECISION_DENY);
}

TEST(SubjectVerdictTest, ReputationNeedsVolumeToDeny) {
  // 5 failures out of 10 is a high rate but thin evidence: review, not deny.
  OriginEvidence own = Evidence(0, true, v1::SIGNAL_KIND_VERIFICATION_PASSED, 5, 5);
  own.weight[v1::SIGNAL_KIND_VERIFICATION_FAILED] = 5;
  std::vector<OriginEvidence> ev = {own};
  EXPECT_EQ(EvaluateSubject(v1::SUBJECT_TYPE_SUPPLIER, ev, kToday, ModelOptions()).decision,
            v1::DECISION_REVIEW);
}

TEST(SubjectVerdictTest, ReasonsNameSubjectKindMembersAndAge) {
  std::vector<OriginEvidence> ev = {Evidence(1, false, v1::SIGNAL_KIND_RETURN_NOT_GENUINE, 1.0),
                                    Evidence(2, false, v1::SIGNAL_KIND_RETURN_NOT_GENUINE, 1.0)};
  SubjectVerdict v = EvaluateSubject(v1::SUBJECT_TYPE_SELLER, ev, kToday, ModelOptions());
  ASSERT_GE(v.reasons.size(), 2u);
  const v1::Reason& kind = v.reasons[0];
  EXPECT_EQ(kind.subject_type(), v1::SUBJECT_TYPE_SELLER);
  EXPECT_EQ(kind.kind(), v1::SIGNAL_KIND_RETURN_NOT_GENUINE);
  EXPECT_EQ(kind.members(), 2u);
  EXPECT_EQ(kind.newest_age_days(), 2u);
  EXPECT_EQ(kind.summary(), "seller: return_not_genuine by 2 members, newest 2 days old");
  // One member a day ago: "1 member", "1 day", not "1 members", "1 days".
  std::vector<OriginEvidence> one = {Evidence(1, false, v1::SIGNAL_KIND_RETURN_NOT_GENUINE, 1.0)};
  one[0].newest_day[v1::SIGNAL_KIND_RETURN_NOT_GENUINE] = kToday - 1;
  SubjectVerdict single = EvaluateSubject(v1::SUBJECT_TYPE_SELLER, one, kToday, ModelOptions());
  ASSERT_FALSE(single.reasons.empty());
  EXPECT_EQ(single.reasons[0].summary(),
            "seller: return_not_genuine by 1 member, newest 1 day old");
  const v1::Reason& rep = v.reasons.back();
  EXPECT_EQ(rep.code(), "reputation");
  EXPECT_EQ(rep.members(), 2u);
  EXPECT_EQ(rep.newest_age_days(), 2u);
}

}  // namespace
}  // namespace authnet
