// The unit lifecycle in the model (docs/architecture.md §3): what brands commission,
// serialize and decommission decides checks of their units, and only for
// the GTINs under their company prefixes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/api/lifecycle_report.h"
#include "node/batch/lifecycle_rules.h"
#include "node/model/model.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/test_roster.h"

namespace authnet {
namespace {

using ::testing::ElementsAre;

constexpr uint32_t kDay = 20400;
const char kGtin[] = "04006381333931";   // brand "nivea", prefix 4006381
const char kOther[] = "09506000134352";  // brand "other", prefix 9506000

class UnitLifecycleTest : public ::testing::Test {
 protected:
  UnitLifecycleTest()
      : clock_(kDay),
        digester_(*NetworkKeys::Generate()),
        model_(ModelOptions(), clock_, "shop-a") {
    SetRoster(1, v1::MEMBER_ROLE_BRAND);
  }

  void SetRoster(uint64_t version, v1::MemberRole nivea_role) {
    testing::RosterEntry nivea{"nivea", 1.0, v1::MEMBER_STATUS_ACTIVE, nivea_role};
    if (nivea_role == v1::MEMBER_ROLE_BRAND) {
      nivea.prefixes = {"4006381"};
    }
    roster_ = std::make_unique<Roster>(testing::MakeRoster(
        "testnet",
        {{"shop-a"},
         {"shop-b"},
         nivea,
         {"other", 1.0, v1::MEMBER_STATUS_ACTIVE, v1::MEMBER_ROLE_BRAND, {"9506000"}}},
        version));
    model_.SetRoster(*roster_);
  }

  // Report has `origin`'s node make a lifecycle report, then applies its
  // records to the model as a peer's batch.
  absl::Status Report(const std::string& origin, v1::SignalKind kind, const std::string& gtin,
                      std::vector<std::string> serials) {
    absl::StatusOr<std::vector<v1::Record>> made = Made(origin, kind, gtin, std::move(serials));
    return made.ok() ? Apply(origin, *std::move(made)) : made.status();
  }

  // Made is the records `origin`'s node makes of a lifecycle report.
  absl::StatusOr<std::vector<v1::Record>> Made(const std::string& origin, v1::SignalKind kind,
                                               const std::string& gtin,
                                               std::vector<std::string> serials) {
    v1::ReportRequest req;
    req.set_kind(kind);
    req.mutable_subjects()->set_gtin(gtin);
    for (const std::string& s : serials) {
      req.add_serials(s);
    }
    absl::StatusOr<NormalizedSubjects> subjects = NormalizeSubjects(req.subjects(), kDay);
    if (!subjects.ok()) {
      return subjects.status();
    }
    BrandPrefixes brands = BrandPrefixes::Of(roster_->body());
    const v1::RosterMember* m = roster_->Find(origin);
    absl::StatusOr<LifecycleReport> made =
        MakeLifecycleReport(req, *subjects, {origin, RoleOf(*m), &brands}, digester_, kDay, 3650);
    if (!made.ok()) {
      return made.status();
    }
    return std::move(made->records);
  }

  absl::Status Apply(const std::string& origin, std::vector<v1::Record> records,
                     Model* model = nullptr) {
    v1::BatchBody b;
    b.set_origin(origin);
    b.set_first_seq(next_seq_[origin] + 1);
    for (v1::Record& r : records) {
      r.set_seq(++next_seq_[origin]);
      *b.add_records() = std::move(r);
    }
    b.set_last_seq(next_seq_[origin]);
    return (model != nullptr ? model : &model_)->ApplyBatch(b);
  }

  v1::CheckResponse Check(const std::string& gtin, const std::string& serial,
                          const Model* model = nullptr) {
    const Model& m = model != nullptr ? *model : model_;
    v1::Subjects s;
    s.set_gtin(gtin);
    s.set_serial(serial);
    NormalizedSubjects n = *NormalizeSubjects(s, kDay);
    std::vector<uint32_t> live = m.LiveEpochs(digester_.Epochs());
    v1::CheckResponse resp;
    m.Check(DigestSubjects(n.subjects, digester_, live),
            DigestUnits(n.subjects, digester_, live, *m.Brands()), &resp);
    return resp;
  }

  static std::vector<std::string> Codes(const v1::CheckResponse& r) {
    std::vector<std::string> codes;
    for (const v1::Reason& reason : r.reasons()) {
      codes.push_back(reason.code());
    }
    return codes;
  }

  testing::ManualClock clock_;
  Digester digester_;
  Model model_;
  std::unique_ptr<Roster> roster_;
  std::map<std::string, uint64_t> next_seq_;
};

TEST_F(UnitLifecycleTest, CommissionedNotCommissionedAndDecommissioned) {
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_GTIN_SERIALIZED, kGtin, {}).ok());
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_UNIT_COMMISSIONED, kGtin, {"A1", "A2", "A3"}).ok());
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_UNIT_DECOMMISSIONED, kGtin, {"A3"}).ok());
  EXPECT_EQ(model_.Units(), 3u);

  v1::CheckResponse ok = Check(kGtin, "A1");
  EXPECT_EQ(ok.decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(Codes(ok), ElementsAre("commissioned"));
  EXPECT_EQ(ok.reporters(), 0u);

  v1::CheckResponse unknown = Check(kGtin, "ZZ9");
  EXPECT_EQ(unknown.decision(), v1::DECISION_REVIEW);
  EXPECT_THAT(Codes(unknown), ElementsAre("not_commissioned"));

  v1::CheckResponse gone = Check(kGtin, "A3");
  EXPECT_EQ(gone.decision(), v1::DECISION_DENY);
  EXPECT_THAT(Codes(gone), ElementsAre("decommissioned"));
  EXPECT_EQ(gone.reporters(), 1u);
}

TEST_F(UnitLifecycleTest, NotCommissionedCanBeConfiguredToDeny) {
  ModelOptions o;
  o.not_commissioned_decision = v1::DECISION_DENY;
  Model strict(o, clock_, "shop-a");
  strict.SetRoster(*roster_);
  ASSERT_TRUE(
      Apply("nivea", *Made("nivea", v1::SIGNAL_KIND_GTIN_SERIALIZED, kGtin, {}), &strict).ok());
  v1::CheckResponse resp = Check(kGtin, "ZZ9", &strict);
  EXPECT_EQ(resp.decision(), v1::DECISION_DENY);
  EXPECT_THAT(Codes(resp), ElementsAre("not_commissioned"));
}

TEST_F(UnitLifecycleTest, AGtinNobodySerializedSaysNothing) {
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_UNIT_COMMISSIONED, kGtin, {"A1"}).ok());
  EXPECT_THAT(Codes(Check(kGtin, "A1")), ElementsAre("commissioned"));
  v1::CheckResponse unknown = Check(kGtin, "B2");  // not serialized: no claim either way
  EXPECT_EQ(unknown.decision(), v1::DECISION_ALLOW);
  EXPECT_EQ(unknown.reasons_size(), 0);
}

TEST_F(UnitLifecycleTest, ABrandSpeaksOnlyForItsOwnPrefixes) {
  // A brand's own node refuses another brand's GTIN, naming its prefixes.
  absl::Status st = Report("nivea", v1::SIGNAL_KIND_UNIT_COMMISSIONED, kOther, {"X"});
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("(4006381)"));
  // Records a dishonest brand node made with its own prefix digest on
  // another brand's units do not count for that GTIN: the prefix digest the
  // check computes is the owner's.
  ASSERT_TRUE(Report("other", v1::SIGNAL_KIND_GTIN_SERIALIZED, kOther, {}).ok());
  std::vector<v1::Record> forged =
      *Made("nivea", v1::SIGNAL_KIND_UNIT_DECOMMISSIONED, kGtin, {"A1"});
  // ... rewritten to be about the other brand's unit:
  DigestBytes unit = digester_.MakeUnder(1, v1::SUBJECT_TYPE_UNIT, std::string(kOther) + ":A1");
  forged[0].set_digest(unit.data(), unit.size());
  ASSERT_TRUE(Apply("nivea", forged).ok());
  EXPECT_EQ(Check(kOther, "A1").decision(), v1::DECISION_REVIEW);  // not_commissioned, not deny
  EXPECT_THAT(Codes(Check(kOther, "A1")), ElementsAre("not_commissioned"));
}

TEST_F(UnitLifecycleTest, NonBrandsAndPlatformsCannotReport) {
  absl::Status st = Report("shop-a", v1::SIGNAL_KIND_UNIT_COMMISSIONED, kGtin, {"A1"});
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(st.message()),
              ::testing::HasSubstr("is reported by brand members only, and shop-a is a platform"));
  EXPECT_EQ(model_.Records(), 0u);
}

TEST_F(UnitLifecycleTest, ABrandDemotedStopsCounting) {
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_GTIN_SERIALIZED, kGtin, {}).ok());
  EXPECT_THAT(Codes(Check(kGtin, "Q")), ElementsAre("not_commissioned"));
  SetRoster(2, v1::MEMBER_ROLE_PLATFORM);
  EXPECT_EQ(Check(kGtin, "Q").reasons_size(), 0);
}

TEST_F(UnitLifecycleTest, RetractedCommissioningAndBulkBeyondOneRecord) {
  std::vector<std::string> serials;
  for (int i = 0; i < kMaxUnitKeys + 10; ++i) {
    serials.push_back("S" + std::to_string(i));
  }
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_GTIN_SERIALIZED, kGtin, {}).ok());
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_UNIT_COMMISSIONED, kGtin, serials).ok());
  EXPECT_EQ(model_.Records(), 3u);  // serialized + two packed records
  EXPECT_EQ(model_.Units(), static_cast<uint64_t>(kMaxUnitKeys + 10));
  EXPECT_THAT(Codes(Check(kGtin, "S8200")), ElementsAre("commissioned"));
  EXPECT_THAT(Codes(Check(kGtin, "S0")), ElementsAre("commissioned"));
  EXPECT_THAT(Codes(Check(kGtin, "S99999")), ElementsAre("not_commissioned"));
  // A retracted commissioning record takes its units out; others stay.
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_UNIT_COMMISSIONED, kGtin, {"R1"}).ok());  // seq 4
  EXPECT_THAT(Codes(Check(kGtin, "R1")), ElementsAre("commissioned"));
  // Retract seq 4 by repeating it.
  std::vector<v1::Record> again = *Made("nivea", v1::SIGNAL_KIND_UNIT_COMMISSIONED, kGtin, {"R1"});
  again[0].set_retracts_seq(4);
  ASSERT_TRUE(Apply("nivea", again).ok());
  EXPECT_THAT(Codes(Check(kGtin, "R1")), ElementsAre("not_commissioned"));
  EXPECT_THAT(Codes(Check(kGtin, "S0")), ElementsAre("commissioned"));
}

TEST_F(UnitLifecycleTest, ExpiredLifecycleRecordsStopCounting) {
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_GTIN_SERIALIZED, kGtin, {}).ok());
  ASSERT_TRUE(Report("nivea", v1::SIGNAL_KIND_UNIT_COMMISSIONED, kGtin, {"A1"}).ok());
  clock_.AdvanceDays(3650);
  EXPECT_EQ(Check(kGtin, "A1").reasons_size(), 0);
}

TEST_F(UnitLifecycleTest, ASaleRepeatedTheSameDayByOneMemberIsOneSale) {
  Model m(ModelOptions(), clock_, "shop-a");
  m.SetRoster(*roster_);
  const std::string unit(32, 'u');
  auto sell = [&](const std::string& origin, uint64_t seq) {
    v1::BatchBody b;
    b.set_origin(origin);
    b.set_first_seq(seq);
    b.set_last_seq(seq);
    v1::Record* r = b.add_records();
    r->set_seq(seq);
    r->set_digest(unit);
    r->set_subject_type(v1::SUBJECT_TYPE_UNIT);
    r->set_kind(v1::SIGNAL_KIND_UNIT_SOLD);
    r->set_weight_milli(1000);
    r->set_day(clock_.Today());
    r->set_ttl_days(365);
    ASSERT_TRUE(m.ApplyBatch(b).ok());
  };
  auto check = [&] {
    v1::CheckResponse resp;
    m.Check({SubjectDigest::Of(v1::SUBJECT_TYPE_UNIT, unit)}, &resp);
    return resp;
  };
  sell("shop-a", 1);
  sell("shop-a", 2);  // a scanner retry
  EXPECT_EQ(check().decision(), v1::DECISION_ALLOW);
  clock_.AdvanceDays(1);
  sell("shop-a", 3);  // sold again the next day: a second sale
  EXPECT_THAT(Codes(check()), ::testing::Contains("clone_suspected"));
}

}  // namespace
}  // namespace authnet
