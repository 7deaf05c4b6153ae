#include "node/api/overrides.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/core/digester.h"
#include "node/core/network_keys.h"
#include "node/core/subject_normalizer.h"

namespace authnet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint32_t kToday = 20788;  // 2026-12-01
constexpr char kGtin[] = "04006381333931";
constexpr char kOtherGtin[] = "09506000134352";

Digester MakeDigester() {
  absl::StatusOr<NetworkKeys> keys =
      NetworkKeys::Parse("1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  EXPECT_TRUE(keys.ok()) << keys.status();
  return Digester(*std::move(keys), "this node's own mac key");
}

v1::Subjects Unit(const std::string& gtin, const std::string& serial) {
  v1::Subjects s;
  s.set_gtin(gtin);
  s.set_serial(serial);
  return s;
}

class OverrideTableTest : public ::testing::Test {
 protected:
  std::vector<NormalizedSubject> Norm(const v1::Subjects& s) {
    absl::StatusOr<NormalizedSubjects> n = NormalizeSubjects(s, kToday);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? n->subjects : std::vector<NormalizedSubject>{};
  }
  // As AdminService::AddOverride makes one.
  v1::Override Make(v1::Decision decision, const v1::Subjects& s, uint32_t expires_day = 0) {
    v1::Override o;
    o.set_decision(decision);
    for (const NormalizedSubject& n : Norm(s)) o.add_subject_types(n.type);
    for (std::string& key : OverrideTable::KeysOf(Norm(s), digester_)) o.add_keys(std::move(key));
    o.set_reason("operator checked it");
    o.set_expires_day(expires_day);
    return o;
  }
  // A REVIEW response with one model reason, after Apply for a check of `s`.
  v1::CheckResponse Check(const OverrideTable& t, const v1::Subjects& s, uint32_t today = kToday) {
    v1::CheckResponse resp;
    resp.set_decision(v1::DECISION_REVIEW);
    resp.add_reasons()->set_code("counterfeit_confirmed");
    t.Apply(Norm(s), digester_, today, &resp);
    return resp;
  }

  Digester digester_ = MakeDigester();
  OverrideTable table_;
};

TEST(ValidateOverrideTest, ErrorsNameTheField) {
  v1::AddOverrideRequest req;
  req.set_decision(v1::DECISION_ALLOW);
  req.set_reason("recalled batch, verified by hand");
  EXPECT_TRUE(ValidateOverride(req).ok());
  req.set_decision(v1::DECISION_DENY);
  req.set_expires_days(3650);
  req.set_reason(std::string(500, 'r'));
  EXPECT_TRUE(ValidateOverride(req).ok());
  req.set_reason("caf\xc3\xa9 ok");  // UTF-8 is not a control character
  EXPECT_TRUE(ValidateOverride(req).ok());

  auto message = [](const v1::AddOverrideRequest& r) {
    absl::Status st = ValidateOverride(r);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    return std::string(st.message());
  };
  v1::AddOverrideRequest bad = req;
  bad.clear_decision();
  EXPECT_EQ(message(bad), "decision: must be allow or deny");
  bad.set_decision(v1::DECISION_REVIEW);
  EXPECT_EQ(message(bad), "decision: must be allow or deny");
  bad = req;
  bad.clear_reason();
  EXPECT_EQ(message(bad), "reason: 0 bytes; say why in 1 to 500");
  bad.set_reason(std::string(501, 'r'));
  EXPECT_EQ(message(bad), "reason: 501 bytes; say why in 1 to 500");
  for (const char* r : {"two\nlines", "tab\there", "del\x7f"}) {
    bad.set_reason(r);
    EXPECT_EQ(message(bad), "reason: holds a control character") << r;
  }
  bad = req;
  bad.set_expires_days(3651);
  EXPECT_EQ(message(bad), "expires_days: 3651, at most 3650");
}

TEST_F(OverrideTableTest, EmptyTableChangesNothing) {
  v1::CheckResponse resp = Check(table_, Unit(kGtin, "SN-1"));
  EXPECT_EQ(resp.decision(), v1::DECISION_REVIEW);
  ASSERT_EQ(resp.reasons_size(), 1);
  EXPECT_EQ(resp.reasons(0).code(), "counterfeit_confirmed");
  EXPECT_TRUE(table_.List().empty());
}

TEST_F(OverrideTableTest, AddAssignsIncreasingIds) {
  EXPECT_EQ(table_.Add(Make(v1::DECISION_ALLOW, Unit(kGtin, "SN-1"))).id(), 1u);
  EXPECT_EQ(table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-2"))).id(), 2u);
  v1::Override third = table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-3")));
  EXPECT_EQ(third.id(), 3u);
  EXPECT_EQ(third.reason(), "operator checked it");
  std::vector<uint64_t> ids;
  for (const v1::Override& o : table_.List()) ids.push_back(o.id());
  EXPECT_THAT(ids, ElementsAre(1u, 2u, 3u));
}

TEST_F(OverrideTableTest, AllowOnUnitFlipsReviewAndComesFirst) {
  v1::Subjects seller;
  seller.set_seller("Some Shop");
  table_.Add(Make(v1::DECISION_DENY, seller));                // id 1: does not apply
  table_.Add(Make(v1::DECISION_ALLOW, Unit(kGtin, "SN-1")));  // id 2
  v1::CheckResponse resp = Check(table_, Unit(kGtin, "SN-1"));
  EXPECT_EQ(resp.decision(), v1::DECISION_ALLOW);
  ASSERT_EQ(resp.reasons_size(), 2);
  EXPECT_EQ(resp.reasons(0).code(), "local_override");
  EXPECT_EQ(resp.reasons(0).subject_type(), v1::SUBJECT_TYPE_UNIT);
  EXPECT_TRUE(resp.reasons(0).local());
  EXPECT_THAT(resp.reasons(0).summary(), HasSubstr("local override 2: allow"));
  EXPECT_EQ(resp.reasons(1).code(), "counterfeit_confirmed");

  // Another serial of the same GTIN is another unit.
  resp = Check(table_, Unit(kGtin, "SN-2"));
  EXPECT_EQ(resp.decision(), v1::DECISION_REVIEW);
  EXPECT_EQ(resp.reasons_size(), 1);
}

TEST_F(OverrideTableTest, GtinOverrideCoversItsUnitsAndLots) {
  v1::Subjects gtin;
  gtin.set_gtin(kGtin);
  table_.Add(Make(v1::DECISION_DENY, gtin));
  EXPECT_EQ(Check(table_, gtin).decision(), v1::DECISION_DENY);
  EXPECT_EQ(Check(table_, Unit(kGtin, "SN-9")).decision(), v1::DECISION_DENY);
  v1::Subjects lot;
  lot.set_gtin(kGtin);
  lot.set_lot("L42");
  EXPECT_EQ(Check(table_, lot).decision(), v1::DECISION_DENY);
  EXPECT_EQ(Check(table_, Unit(kOtherGtin, "SN-9")).decision(), v1::DECISION_REVIEW);
}

TEST_F(OverrideTableTest, SellerAndGtinOverrideNeedsBoth) {
  v1::Subjects both;
  both.set_gtin(kGtin);
  both.set_seller("Shop A");
  table_.Add(Make(v1::DECISION_DENY, both));
  EXPECT_EQ(Check(table_, both).decision(), v1::DECISION_DENY);
  v1::Subjects unit_at_shop = Unit(kGtin, "SN-1");
  unit_at_shop.set_seller("Shop A");
  EXPECT_EQ(Check(table_, unit_at_shop).decision(), v1::DECISION_DENY);

  v1::Subjects gtin_only;
  gtin_only.set_gtin(kGtin);
  EXPECT_EQ(Check(table_, gtin_only).decision(), v1::DECISION_REVIEW);
  v1::Subjects seller_only;
  seller_only.set_seller("Shop A");
  EXPECT_EQ(Check(table_, seller_only).decision(), v1::DECISION_REVIEW);
  v1::Subjects other_shop = both;
  other_shop.set_seller("Shop B");
  EXPECT_EQ(Check(table_, other_shop).decision(), v1::DECISION_REVIEW);
}

TEST_F(OverrideTableTest, DenyWinsOverAllow) {
  v1::Subjects gtin;
  gtin.set_gtin(kGtin);
  table_.Add(Make(v1::DECISION_ALLOW, gtin));                 // id 1
  table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-1")));   // id 2
  table_.Add(Make(v1::DECISION_ALLOW, Unit(kGtin, "SN-1")));  // id 3
  v1::CheckResponse resp = Check(table_, Unit(kGtin, "SN-1"));
  EXPECT_EQ(resp.decision(), v1::DECISION_DENY);
  ASSERT_EQ(resp.reasons_size(), 2);  // one override reason only
  EXPECT_THAT(resp.reasons(0).summary(), HasSubstr("local override 2: deny"));
  // Only the GTIN's allow applies to another unit.
  resp = Check(table_, Unit(kGtin, "SN-2"));
  EXPECT_EQ(resp.decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(resp.reasons(0).summary(), HasSubstr("local override 1: allow"));
}

TEST_F(OverrideTableTest, ExpiredOverrideDoesNotApply) {
  table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-1"), kToday));      // expires today
  table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-2"), kToday + 1));  // tomorrow
  table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-3"), 0));           // never
  EXPECT_EQ(Check(table_, Unit(kGtin, "SN-1")).decision(), v1::DECISION_REVIEW);
  EXPECT_EQ(Check(table_, Unit(kGtin, "SN-1"), kToday - 1).decision(), v1::DECISION_DENY);
  EXPECT_EQ(Check(table_, Unit(kGtin, "SN-2")).decision(), v1::DECISION_DENY);
  EXPECT_EQ(Check(table_, Unit(kGtin, "SN-2"), kToday + 1).decision(), v1::DECISION_REVIEW);
  EXPECT_EQ(Check(table_, Unit(kGtin, "SN-3"), kToday + 100000).decision(), v1::DECISION_DENY);
}

TEST_F(OverrideTableTest, RemoveReturnsTheOverride) {
  table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-1")));
  std::optional<v1::Override> gone = table_.Remove(1);
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->id(), 1u);
  EXPECT_EQ(gone->decision(), v1::DECISION_DENY);
  EXPECT_FALSE(table_.Remove(1).has_value());
  EXPECT_FALSE(table_.Remove(77).has_value());
  EXPECT_TRUE(table_.List().empty());
  EXPECT_EQ(Check(table_, Unit(kGtin, "SN-1")).decision(), v1::DECISION_REVIEW);
}

TEST_F(OverrideTableTest, SerializedLoadRoundTripAndIdsContinue) {
  table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-1")));   // 1
  table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-2")));   // 2
  table_.Add(Make(v1::DECISION_ALLOW, Unit(kGtin, "SN-3")));  // 3
  ASSERT_TRUE(table_.Remove(2).has_value());
  OverrideTable loaded;
  ASSERT_TRUE(loaded.Load(table_.Serialized()));
  std::vector<uint64_t> ids;
  for (const v1::Override& o : loaded.List()) ids.push_back(o.id());
  EXPECT_THAT(ids, ElementsAre(1u, 3u));
  EXPECT_EQ(Check(loaded, Unit(kGtin, "SN-1")).decision(), v1::DECISION_DENY);
  EXPECT_EQ(Check(loaded, Unit(kGtin, "SN-2")).decision(), v1::DECISION_REVIEW);
  EXPECT_EQ(Check(loaded, Unit(kGtin, "SN-3")).decision(), v1::DECISION_ALLOW);
  EXPECT_EQ(loaded.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-4"))).id(), 4u);
}

TEST_F(OverrideTableTest, LoadOfGarbageKeepsTheTable) {
  table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-1")));
  // Field 1, length 5, but only two bytes follow: does not parse.
  EXPECT_FALSE(
      table_.Load(std::string("\x0a\x05"
                              "ab")));
  ASSERT_EQ(table_.List().size(), 1u);
  EXPECT_EQ(Check(table_, Unit(kGtin, "SN-1")).decision(), v1::DECISION_DENY);
  EXPECT_EQ(table_.Add(Make(v1::DECISION_DENY, Unit(kGtin, "SN-2"))).id(), 2u);
}

}  // namespace
}  // namespace authnet
