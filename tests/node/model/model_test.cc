#include "node/model/model.h"

#include <gtest/gtest.h>

#include "tests/testing/manual_clock.h"
#include "tests/testing/test_roster.h"

namespace authnet {
namespace {

constexpr uint32_t kDay = 20400;

class ModelTest : public ::testing::Test {
 protected:
  ModelTest() : clock_(kDay), model_(ModelOptions(), clock_, "acme") {
    model_.SetRoster(testing::MakeRoster(
        "testnet",
        {{"acme"}, {"globex"}, {"initech"}, {"umbrella", 1.0, v1::MEMBER_STATUS_REVOKED}}));
  }

  // Append one record to `origin`'s log and return its seq.
  uint64_t Add(const std::string& origin, const std::string& digest, v1::SignalKind kind,
               uint32_t weight_milli = 1000, uint64_t retracts = 0, uint32_t ttl = 365) {
    uint64_t seq = ++next_seq_[origin];
    v1::BatchBody b;
    b.set_origin(origin);
    b.set_first_seq(seq);
    b.set_last_seq(seq);
    v1::Record* r = b.add_records();
    r->set_seq(seq);
    r->set_digest(digest);
    r->set_subject_type(v1::SUBJECT_TYPE_UNIT);
    r->set_kind(kind);
    r->set_weight_milli(weight_milli);
    r->set_day(clock_.Today());
    r->set_ttl_days(ttl);
    r->set_retracts_seq(retracts);
    EXPECT_TRUE(model_.ApplyBatch(b).ok());
    return seq;
  }

  // Append `n` records of one kind about a supplier to `origin`'s log, in one batch.
  absl::Status AddSupplier(const std::string& origin, const std::string& digest,
                           v1::SignalKind kind, int n) {
    v1::BatchBody b;
    b.set_origin(origin);
    b.set_first_seq(next_seq_[origin] + 1);
    for (int i = 0; i < n; ++i) {
      v1::Record* r = b.add_records();
      r->set_seq(++next_seq_[origin]);
      r->set_digest(digest);
      r->set_subject_type(v1::SUBJECT_TYPE_SUPPLIER);
      r->set_kind(kind);
      r->set_weight_milli(1000);
      r->set_day(clock_.Today());
      r->set_ttl_days(365);
    }
    b.set_last_seq(next_seq_[origin]);
    return model_.ApplyBatch(b);
  }

  v1::CheckResponse Check(const std::string& digest) {
    v1::CheckResponse resp;
    model_.Check({SubjectDigest::Of(v1::SUBJECT_TYPE_UNIT, digest)}, &resp);
    return resp;
  }

  testing::ManualClock clock_;
  Model model_;
  std::map<std::string, uint64_t> next_seq_;
  const std::string unit_ = std::string(32, 'u');
};

TEST_F(ModelTest, OwnConfirmedDeniesAndOtherDigestsStayAllowed) {
  Add("acme", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  v1::CheckResponse resp = Check(unit_);
  EXPECT_EQ(resp.decision(), v1::DECISION_DENY);
  EXPECT_EQ(resp.reporters(), 1u);
  ASSERT_EQ(resp.reasons_size(), 1);
  EXPECT_EQ(resp.reasons(0).subject_type(), v1::SUBJECT_TYPE_UNIT);
  EXPECT_EQ(Check(std::string(32, 'v')).decision(), v1::DECISION_ALLOW);
}

TEST_F(ModelTest, NetworkDenyNeedsTwoMembers) {
  Add("globex", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_REVIEW);
  Add("globex", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);  // the same member again
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_REVIEW);
  Add("initech", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  v1::CheckResponse resp = Check(unit_);
  EXPECT_EQ(resp.decision(), v1::DECISION_DENY);
  EXPECT_EQ(resp.reporters(), 2u);
}

TEST_F(ModelTest, RevokedMembersEvidenceCountsForNothing) {
  Add("umbrella", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  Add("globex", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  v1::CheckResponse resp = Check(unit_);
  EXPECT_EQ(resp.decision(), v1::DECISION_REVIEW);
  EXPECT_EQ(resp.reporters(), 1u);
  // Revoking globex too removes the rest.
  model_.SetRoster(
      testing::MakeRoster("testnet", {{"acme"}, {"globex", 1.0, v1::MEMBER_STATUS_REVOKED}}, 2));
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_ALLOW);
}

TEST_F(ModelTest, TrustScalesEvidence) {
  model_.SetRoster(testing::MakeRoster("testnet", {{"acme", 0.2}, {"globex"}}, 2));
  Add("acme", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  // 1.0 weight x 0.2 trust is below the local deny weight of 0.5.
  EXPECT_NE(Check(unit_).decision(), v1::DECISION_DENY);
}

TEST_F(ModelTest, EvidenceDecaysAndExpires) {
  Add("acme", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1000, 0, /*ttl=*/400);
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_DENY);
  clock_.AdvanceDays(90);  // one half-life: 0.5, still at the local deny weight
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_DENY);
  EXPECT_EQ(Check(unit_).reasons(0).newest_age_days(), 90u);
  clock_.AdvanceDays(60);  // 0.31: no longer a local deny, still reviewed
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_REVIEW);
  clock_.AdvanceDays(300);  // past its ttl
  v1::CheckResponse resp = Check(unit_);
  EXPECT_EQ(resp.decision(), v1::DECISION_ALLOW);
  EXPECT_EQ(resp.reasons_size(), 0);
}

TEST_F(ModelTest, ARecordPastItsExpiryIsHeldButNeverCounts) {
  // A peer relays an old batch: its record expired before it arrived.
  v1::BatchBody b;
  b.set_origin("globex");
  b.set_first_seq(1);
  b.set_last_seq(2);
  for (uint64_t seq : {1, 2}) {
    v1::Record* r = b.add_records();
    r->set_seq(seq);
    r->set_digest(unit_);
    r->set_subject_type(v1::SUBJECT_TYPE_UNIT);
    r->set_kind(v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
    r->set_weight_milli(1000);
    r->set_day(kDay - 400);
    r->set_ttl_days(365);
    r->set_retracts_seq(seq == 2 ? 1 : 0);  // and its retraction, just as old
  }
  std::string before = model_.Fingerprint();
  ASSERT_TRUE(model_.ApplyBatch(b).ok());
  EXPECT_EQ(model_.LastSeq("globex"), 2u);
  EXPECT_EQ(model_.Records(), 2u);
  EXPECT_NE(model_.Fingerprint(), before) << "held: part of what the node proves it holds";
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_ALLOW);
  EXPECT_EQ(Check(unit_).reasons_size(), 0);
  // Fresh evidence on the same digest counts as usual.
  next_seq_["globex"] = 2;
  Add("globex", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  Add("initech", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_DENY);
}

TEST_F(ModelTest, RetractionRemovesTheRecordsEffect) {
  uint64_t seq = Add("acme", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_DENY);
  Add("acme", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1000, seq);
  EXPECT_TRUE(model_.IsRetracted("acme", seq));
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_ALLOW);
  // A second retraction of the same record changes nothing more.
  Add("acme", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  Add("acme", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 1000, seq);
  EXPECT_EQ(Check(unit_).decision(), v1::DECISION_DENY);
}

TEST_F(ModelTest, RefusesAGapAndSkipsDuplicates) {
  Add("globex", unit_, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  v1::BatchBody gap;
  gap.set_origin("globex");
  gap.set_first_seq(3);
  gap.set_last_seq(3);
  gap.add_records()->set_seq(3);
  EXPECT_EQ(model_.ApplyBatch(gap).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(model_.Records(), 1u);

  v1::BatchBody dup;
  dup.set_origin("globex");
  dup.set_first_seq(1);
  dup.set_last_seq(1);
  *dup.add_records() = v1::Record();
  dup.mutable_records(0)->set_seq(1);
  dup.mutable_records(0)->set_digest(unit_);
  dup.mutable_records(0)->set_kind(v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  std::string before = model_.Fingerprint();
  EXPECT_TRUE(model_.ApplyBatch(dup).ok());
  EXPECT_EQ(model_.Records(), 1u);
  EXPECT_EQ(model_.Fingerprint(), before);
  EXPECT_EQ(model_.VersionVector().at("globex"), 1u);
}

TEST_F(ModelTest, FingerprintDependsOnRecordsNotOrderOfOrigins) {
  testing::ManualClock clock(kDay);
  Model other(ModelOptions(), clock, "globex");
  other.SetRoster(testing::MakeRoster("testnet", {{"acme"}, {"globex"}}));
  Model mine(ModelOptions(), clock, "acme");
  mine.SetRoster(testing::MakeRoster("testnet", {{"acme"}, {"globex"}}));
  auto batch = [](const std::string& origin, uint32_t kind) {
    v1::BatchBody b;
    b.set_origin(origin);
    b.set_first_seq(1);
    b.set_last_seq(1);
    v1::Record* r = b.add_records();
    r->set_seq(1);
    r->set_digest(std::string(32, 'd'));
    r->set_kind(static_cast<v1::SignalKind>(kind));
    return b;
  };
  ASSERT_TRUE(mine.ApplyBatch(batch("acme", 1)).ok());
  ASSERT_TRUE(mine.ApplyBatch(batch("globex", 2)).ok());
  ASSERT_TRUE(other.ApplyBatch(batch("globex", 2)).ok());
  EXPECT_NE(mine.Fingerprint(), other.Fingerprint());
  ASSERT_TRUE(other.ApplyBatch(batch("acme", 1)).ok());
  EXPECT_EQ(mine.Fingerprint(), other.Fingerprint());
  EXPECT_EQ(mine.Fingerprint().size(), 64u);
}

TEST_F(ModelTest, FingerprintTellsDifferentRecordsApart) {
  testing::ManualClock clock(kDay);
  Model a(ModelOptions(), clock, "acme");
  Model b(ModelOptions(), clock, "acme");
  v1::BatchBody body;
  body.set_origin("acme");
  body.set_first_seq(1);
  body.set_last_seq(1);
  v1::Record* r = body.add_records();
  r->set_seq(1);
  r->set_digest(std::string(32, 'd'));
  r->set_weight_milli(1000);
  ASSERT_TRUE(a.ApplyBatch(body).ok());
  r->set_weight_milli(999);
  ASSERT_TRUE(b.ApplyBatch(body).ok());
  EXPECT_NE(a.Fingerprint(), b.Fingerprint());
}

TEST_F(ModelTest, SupplierWhoseFailureRateJumpsRaisesOneAlert) {
  std::vector<v1::SupplierAlert> alerts;
  model_.SetAlertSink([&](const v1::SupplierAlert& a) {
    // Called outside the model's lock: the model can be read from here.
    EXPECT_EQ(model_.Records(), model_.Records());
    alerts.push_back(a);
  });
  const std::string supplier(32, 's');
  // Thirty quiet days: 20 passes and one failure a day, from two members.
  for (int day = 0; day < 30; ++day) {
    ASSERT_TRUE(AddSupplier("globex", supplier, v1::SIGNAL_KIND_VERIFICATION_PASSED, 10).ok());
    ASSERT_TRUE(AddSupplier("initech", supplier, v1::SIGNAL_KIND_VERIFICATION_PASSED, 10).ok());
    ASSERT_TRUE(AddSupplier("initech", supplier, v1::SIGNAL_KIND_VERIFICATION_FAILED, 1).ok());
    clock_.AdvanceDays(1);
  }
  EXPECT_TRUE(alerts.empty());
  // Then a bad day: 30 failures against 10 passes. The first 10 failures
  // lift the week's rate to 0.11, not yet the review rate of 0.15.
  ASSERT_TRUE(AddSupplier("globex", supplier, v1::SIGNAL_KIND_VERIFICATION_PASSED, 10).ok());
  ASSERT_TRUE(AddSupplier("globex", supplier, v1::SIGNAL_KIND_VERIFICATION_FAILED, 10).ok());
  EXPECT_TRUE(alerts.empty());
  ASSERT_TRUE(AddSupplier("initech", supplier, v1::SIGNAL_KIND_VERIFICATION_FAILED, 20).ok());
  ASSERT_EQ(alerts.size(), 1u);
  const v1::SupplierAlert& a = alerts[0];
  EXPECT_EQ(a.supplier_digest(), supplier);
  EXPECT_EQ(a.day(), kDay + 30);
  EXPECT_EQ(a.window_days(), 7u);
  EXPECT_EQ(a.members(), 2u);  // both failed it in the window
  // The window (last 7 days) holds days 24..30: 6 quiet days and the bad one.
  EXPECT_EQ(a.records_after(), 6u * 21 + 40);
  EXPECT_EQ(a.records_before(), 24u * 21);
  EXPECT_NEAR(a.rate_before(), (24 + 0.5) / (24 * 21 + 10.0), 1e-9);
  EXPECT_NEAR(a.rate_after(), (6 + 30 + 0.5) / (6 * 21 + 40 + 10.0), 1e-9);
  EXPECT_GE(a.rate_after(), 2 * a.rate_before());

  // More failures in the same window raise no second alert.
  ASSERT_TRUE(AddSupplier("initech", supplier, v1::SIGNAL_KIND_VERIFICATION_FAILED, 20).ok());
  EXPECT_EQ(alerts.size(), 1u);
}

TEST_F(ModelTest, SteadyOrRevokedEvidenceRaisesNoAlert) {
  int alerts = 0;
  model_.SetAlertSink([&](const v1::SupplierAlert&) { ++alerts; });
  const std::string steady(32, 'a');
  const std::string revoked(32, 'b');
  for (int day = 0; day < 20; ++day) {
    // A supplier that has always failed a third of its checks: bad, but no change.
    ASSERT_TRUE(AddSupplier("globex", steady, v1::SIGNAL_KIND_VERIFICATION_PASSED, 10).ok());
    ASSERT_TRUE(AddSupplier("globex", steady, v1::SIGNAL_KIND_VERIFICATION_FAILED, 5).ok());
    ASSERT_TRUE(AddSupplier("globex", revoked, v1::SIGNAL_KIND_VERIFICATION_PASSED, 10).ok());
    clock_.AdvanceDays(1);
  }
  // A revoked member's flood counts for nothing.
  ASSERT_TRUE(AddSupplier("umbrella", revoked, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, 100).ok());
  EXPECT_EQ(alerts, 0);
}

TEST_F(ModelTest, OneOtherMembersJumpAloneRaisesNoAlert) {
  int alerts = 0;
  model_.SetAlertSink([&](const v1::SupplierAlert&) { ++alerts; });
  const std::string supplier(32, 'c');
  for (int day = 0; day < 20; ++day) {
    ASSERT_TRUE(AddSupplier("globex", supplier, v1::SIGNAL_KIND_VERIFICATION_PASSED, 20).ok());
    clock_.AdvanceDays(1);
  }
  // k = 2: one member's sudden failures alone do not alarm this node...
  ASSERT_TRUE(AddSupplier("globex", supplier, v1::SIGNAL_KIND_VERIFICATION_FAILED, 60).ok());
  EXPECT_EQ(alerts, 0);
  // ... a second member's do.
  ASSERT_TRUE(AddSupplier("initech", supplier, v1::SIGNAL_KIND_VERIFICATION_FAILED, 5).ok());
  EXPECT_EQ(alerts, 1);
}

TEST_F(ModelTest, NoSinkNoAlerts) {
  const std::string supplier(32, 'd');
  for (int day = 0; day < 20; ++day) {
    ASSERT_TRUE(AddSupplier("acme", supplier, v1::SIGNAL_KIND_VERIFICATION_PASSED, 20).ok());
    clock_.AdvanceDays(1);
  }
  // While no one listens (a node rebuilding its model), nothing is judged
  // or remembered: the first listener still hears of the jump.
  ASSERT_TRUE(AddSupplier("acme", supplier, v1::SIGNAL_KIND_VERIFICATION_FAILED, 30).ok());
  int alerts = 0;
  model_.SetAlertSink([&](const v1::SupplierAlert&) { ++alerts; });
  ASSERT_TRUE(AddSupplier("acme", supplier, v1::SIGNAL_KIND_VERIFICATION_FAILED, 1).ok());
  EXPECT_EQ(alerts, 1);
}

// An epoch is live while a record under it can still count; the newest is
// always live (new reports use it). Evidence under two epochs of one
// subject adds up as one subject's.
TEST_F(ModelTest, EpochsRetireWhenNothingUnderThemCountsAndEvidenceAddsUpAcrossThem) {
  auto add = [&](const std::string& origin, const std::string& digest, uint32_t epoch,
                 uint32_t ttl) {
    uint64_t seq = ++next_seq_[origin];
    v1::BatchBody b;
    b.set_origin(origin);
    b.set_first_seq(seq);
    b.set_last_seq(seq);
    v1::Record* r = b.add_records();
    r->set_seq(seq);
    r->set_digest(digest);
    r->set_key_epoch(epoch);
    r->set_subject_type(v1::SUBJECT_TYPE_UNIT);
    r->set_kind(v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
    r->set_weight_milli(1000);
    r->set_day(clock_.Today());
    r->set_ttl_days(ttl);
    ASSERT_TRUE(model_.ApplyBatch(b).ok());
  };
  const std::string under1(32, '1');  // one unit's digest under epoch 1 ...
  const std::string under2(32, '2');  // ... and under epoch 2
  add("globex", under1, 1, 30);
  add("initech", under2, 2, 365);
  EXPECT_EQ(model_.LiveEpochs({1, 2, 3}), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(model_.LiveEpochs({2, 3}), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(model_.LiveEpochs({}), std::vector<uint32_t>{});

  // Two members, one under each epoch: a network deny, as under one epoch.
  SubjectDigest both = SubjectDigest::Of(v1::SUBJECT_TYPE_UNIT, under2);
  both.older_epochs.push_back(SubjectDigest::Of(v1::SUBJECT_TYPE_UNIT, under1).digest);
  v1::CheckResponse resp;
  model_.Check({both}, &resp);
  EXPECT_EQ(resp.decision(), v1::DECISION_DENY);
  EXPECT_EQ(resp.reporters(), 2u);
  v1::CheckResponse one_epoch;
  model_.Check({SubjectDigest::Of(v1::SUBJECT_TYPE_UNIT, under2)}, &one_epoch);
  EXPECT_EQ(one_epoch.reporters(), 1u);

  // Epoch 1's only record expires: the epoch retires.
  clock_.AdvanceDays(30);
  EXPECT_EQ(model_.LiveEpochs({1, 2, 3}), (std::vector<uint32_t>{2, 3}));
}

}  // namespace
}  // namespace authnet
