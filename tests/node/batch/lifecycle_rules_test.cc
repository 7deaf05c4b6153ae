// Who may publish what: a receiving node refuses an observer's batches and
// lifecycle records from a non-brand or outside the brand's prefixes.
#include "node/batch/lifecycle_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_roster.h"

namespace authnet {
namespace {

using ::testing::HasSubstr;

class LifecycleRulesTest : public ::testing::Test {
 protected:
  LifecycleRulesTest()
      : digester_(*NetworkKeys::Generate()),
        roster_(testing::MakeRoster(
            "testnet", {{"shop-a"},
                        {"customs", 1.0, v1::MEMBER_STATUS_ACTIVE, v1::MEMBER_ROLE_OBSERVER},
                        {"nivea",
                         1.0,
                         v1::MEMBER_STATUS_ACTIVE,
                         v1::MEMBER_ROLE_BRAND,
                         {"4006381", "0950600"}}})) {}

  v1::Record Lifecycle(v1::SignalKind kind, const std::string& prefix, uint32_t epoch = 1) {
    v1::Record r;
    r.set_seq(1);
    r.set_key_epoch(epoch);
    r.set_kind(kind);
    r.set_subject_type(kind == v1::SIGNAL_KIND_GTIN_SERIALIZED ? v1::SUBJECT_TYPE_GTIN
                                                               : v1::SUBJECT_TYPE_UNIT);
    DigestBytes p = digester_.MakeUnder(1, v1::SUBJECT_TYPE_COMPANY_PREFIX, prefix);
    r.set_prefix_digest(p.data(), p.size());
    if (kind == v1::SIGNAL_KIND_UNIT_COMMISSIONED) {
      r.set_unit_keys(std::string(8, '\1') + std::string(8, '\2'));
    } else {
      r.set_digest(std::string(32, 'd'));
    }
    return r;
  }

  v1::BatchBody Body(const std::string& origin, std::vector<v1::Record> records) {
    v1::BatchBody b;
    b.set_origin(origin);
    for (v1::Record& r : records) {
      *b.add_records() = std::move(r);
    }
    return b;
  }

  Digester digester_;
  Roster roster_;
};

TEST_F(LifecycleRulesTest, FieldsFollowTheKind) {
  EXPECT_TRUE(CheckRecordFields(Lifecycle(v1::SIGNAL_KIND_UNIT_COMMISSIONED, "4006381")).ok());
  EXPECT_TRUE(CheckRecordFields(Lifecycle(v1::SIGNAL_KIND_GTIN_SERIALIZED, "4006381")).ok());
  struct Case {
    std::function<void(v1::Record&)> spoil;
    std::string err;
  };
  const std::vector<Case> cases = {
      {[](v1::Record& r) { r.clear_prefix_digest(); }, "prefix_digest is not 32 bytes"},
      {[](v1::Record& r) { r.set_digest(std::string(32, 'd')); },
       "carries unit_keys, not a digest"},
      {[](v1::Record& r) { r.clear_unit_keys(); }, "unit_keys is 0 bytes"},
      {[](v1::Record& r) { r.set_unit_keys(std::string(12, 'k')); }, "unit_keys is 12 bytes"},
      {[](v1::Record& r) { r.set_unit_keys(std::string(16, 'k')); }, "not strictly ascending"},
      {[](v1::Record& r) { r.set_unit_keys(std::string(8 * (kMaxUnitKeys + 1), 'k')); },
       "not 1 to 8192 keys"},
      {[](v1::Record& r) { r.set_subject_type(v1::SUBJECT_TYPE_GTIN); },
       "unit_commissioned is about a unit, not a gtin"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.err);
    v1::Record r = Lifecycle(v1::SIGNAL_KIND_UNIT_COMMISSIONED, "4006381");
    c.spoil(r);
    absl::Status st = CheckRecordFields(r);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(st.message()), HasSubstr(c.err));
  }
  v1::Record plain;
  plain.set_kind(v1::SIGNAL_KIND_UNIT_SOLD);
  plain.set_digest(std::string(32, 'd'));
  EXPECT_TRUE(CheckRecordFields(plain).ok());
  plain.set_prefix_digest(std::string(32, 'p'));
  EXPECT_THAT(std::string(CheckRecordFields(plain).message()),
              HasSubstr("belong to lifecycle records only"));
}

TEST_F(LifecycleRulesTest, ABrandPublishesItsOwnPrefixesOnly) {
  for (const char* prefix : {"4006381", "0950600"}) {
    EXPECT_TRUE(
        CheckPublisher(Body("nivea", {Lifecycle(v1::SIGNAL_KIND_UNIT_COMMISSIONED, prefix)}),
                       roster_, digester_)
            .ok())
        << prefix;
  }
  absl::Status other = CheckPublisher(
      Body("nivea", {Lifecycle(v1::SIGNAL_KIND_GTIN_SERIALIZED, "9506000")}), roster_, digester_);
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(other.message()),
              HasSubstr("record 1 (gtin_serialized): its GTIN is not under the company prefixes "
                        "the roster gives nivea"));
}

TEST_F(LifecycleRulesTest, PlatformsAndObserversAreRefused) {
  absl::Status platform =
      CheckPublisher(Body("shop-a", {Lifecycle(v1::SIGNAL_KIND_UNIT_DECOMMISSIONED, "4006381")}),
                     roster_, digester_);
  EXPECT_EQ(platform.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(platform.message()),
              HasSubstr("only brands report the lifecycle of units, and shop-a is a platform"));
  v1::Record sale;
  sale.set_kind(v1::SIGNAL_KIND_UNIT_SOLD);
  EXPECT_TRUE(CheckPublisher(Body("shop-a", {sale}), roster_, digester_).ok());
  absl::Status observer = CheckPublisher(Body("customs", {sale}), roster_, digester_);
  EXPECT_EQ(observer.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(observer.message()), HasSubstr("an observer: observers publish nothing"));
}

TEST_F(LifecycleRulesTest, AnEpochNotHeldYetIsRetriedLater) {
  absl::Status st =
      CheckPublisher(Body("nivea", {Lifecycle(v1::SIGNAL_KIND_UNIT_COMMISSIONED, "4006381", 2)}),
                     roster_, digester_);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(st.message()), HasSubstr("epoch 2, which this node does not hold yet"));
}

}  // namespace
}  // namespace authnet
