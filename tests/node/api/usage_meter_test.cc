#include "node/api/usage_meter.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace authnet {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;

// Day numbers (days since 1970-01-01), checked with Python's datetime.
constexpr uint32_t kNov30 = 20787;     // 2026-11-30
constexpr uint32_t kDec1 = 20788;      // 2026-12-01
constexpr uint32_t kDec15 = 20802;     // 2026-12-15
constexpr uint32_t kDec31 = 20818;     // 2026-12-31
constexpr uint32_t kJan1 = 20819;      // 2027-01-01
constexpr uint32_t kKeptEdge = 20418;  // 2025-11-26 = kDec31 - 400

// Rows as "day client checks reports".
std::vector<std::string> Rows(const absl::StatusOr<v1::UsageResponse>& r) {
  EXPECT_TRUE(r.ok()) << r.status();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (const v1::UsageRow& row : r->rows()) {
    out.push_back(row.day() + " " + row.client() + " " + std::to_string(row.checks()) + " " +
                  std::to_string(row.reports()));
  }
  return out;
}

void CountDecember(UsageMeter& m) {
  m.Count("tok-b", kDec15, 3, 1);
  m.Count("tok-a", kDec15, 2, 0);
  m.Count("tok-a", kDec1, 1, 1);
  m.Count("tok-a", kDec1, 4, 2);  // adds to the row above
}

TEST(UsageMeterTest, MonthGivesRowsByDayThenClient) {
  UsageMeter m;
  CountDecember(m);
  absl::StatusOr<v1::UsageResponse> dec = m.Month("2026-12", kDec31);
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->month(), "2026-12");
  EXPECT_THAT(Rows(dec),
              ElementsAre("2026-12-01 tok-a 5 3", "2026-12-15 tok-a 2 0", "2026-12-15 tok-b 3 1"));
}

TEST(UsageMeterTest, MonthExcludesOtherMonths) {
  UsageMeter m;
  CountDecember(m);
  m.Count("tok-a", kNov30, 7, 0);
  m.Count("tok-a", kJan1, 0, 9);
  m.Count("tok-c", kDec31, 1, 0);
  EXPECT_THAT(Rows(m.Month("2026-12", kJan1)),
              ElementsAre("2026-12-01 tok-a 5 3", "2026-12-15 tok-a 2 0", "2026-12-15 tok-b 3 1",
                          "2026-12-31 tok-c 1 0"));
  EXPECT_THAT(Rows(m.Month("2026-11", kJan1)), ElementsAre("2026-11-30 tok-a 7 0"));
  EXPECT_THAT(Rows(m.Month("2027-01", kJan1)), ElementsAre("2027-01-01 tok-a 0 9"));
  EXPECT_THAT(Rows(m.Month("2026-10", kJan1)), ElementsAre());
}

TEST(UsageMeterTest, EmptyMonthIsTodaysMonth) {
  UsageMeter m;
  CountDecember(m);
  m.Count("tok-a", kJan1, 0, 9);
  absl::StatusOr<v1::UsageResponse> dec = m.Month("", kDec15);
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->month(), "2026-12");
  EXPECT_EQ(dec->rows_size(), 3);
  absl::StatusOr<v1::UsageResponse> jan = m.Month("", kJan1);
  ASSERT_TRUE(jan.ok()) << jan.status();
  EXPECT_EQ(jan->month(), "2027-01");
  EXPECT_THAT(Rows(jan), ElementsAre("2027-01-01 tok-a 0 9"));
}

TEST(UsageMeterTest, MonthNotYyyyMmIsInvalid) {
  UsageMeter m;
  for (const char* bad :
       {"2026-13", "2026-00", "26-12", "2026-1", "2026/12", "+026-12", "2026-+1", "\"x\"", "x",
        "2026-12-01", "1969-12", "abcd-12", "2026-1x", "2026-012", "-026-12"}) {
    absl::StatusOr<v1::UsageResponse> r = m.Month(bad, kDec15);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(r.status().message()), StartsWith("month: ")) << bad;
  }
}

// absl::SimpleAtoi skips white space around a number, so these must be
// rejected explicitly.
TEST(UsageMeterTest, MonthWithWhiteSpaceIsInvalid) {
  UsageMeter m;
  for (const char* bad : {"2026- 1", "2026-1 ", "2026-\t1", "2026-1\n"}) {
    EXPECT_EQ(m.Month(bad, kDec15).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(UsageMeterTest, SerializedLoadRoundTrip) {
  UsageMeter m;
  CountDecember(m);
  m.Count("tok-a", kNov30, 7, 0);
  const std::string bytes = m.Serialized(kDec31);
  UsageMeter fresh;
  ASSERT_TRUE(fresh.Load(bytes));
  for (const char* month : {"2026-12", "2026-11"}) {
    absl::StatusOr<v1::UsageResponse> want = m.Month(month, kDec31);
    absl::StatusOr<v1::UsageResponse> got = fresh.Month(month, kDec31);
    ASSERT_TRUE(want.ok() && got.ok());
    EXPECT_GT(want->rows_size(), 0);
    EXPECT_EQ(got->DebugString(), want->DebugString()) << month;
  }
}

TEST(UsageMeterTest, LoadAddsToExistingCounts) {
  UsageMeter m;
  CountDecember(m);
  UsageMeter other;
  other.Count("tok-a", kDec1, 10, 20);
  other.Count("tok-z", kDec31, 1, 1);
  ASSERT_TRUE(other.Load(m.Serialized(kDec31)));
  EXPECT_THAT(Rows(other.Month("2026-12", kDec31)),
              ElementsAre("2026-12-01 tok-a 15 23", "2026-12-15 tok-a 2 0", "2026-12-15 tok-b 3 1",
                          "2026-12-31 tok-z 1 1"));
}

TEST(UsageMeterTest, LoadOfGarbageFails) {
  UsageMeter m;
  // Field 3 (rows), length 5, but only two bytes follow.
  EXPECT_FALSE(
      m.Load(std::string("\x1a\x05"
                         "ab")));
}

TEST(UsageMeterTest, SerializedDropsDaysOlderThanKept) {
  ASSERT_EQ(UsageMeter::kKeptDays, 400u);
  UsageMeter m;
  m.Count("tok-a", kKeptEdge - 1, 1, 0);  // 2025-11-25: 401 days before today
  m.Count("tok-a", kKeptEdge, 2, 0);      // 2025-11-26: 400 days before today
  m.Count("tok-a", kDec31, 3, 0);
  UsageMeter fresh;
  ASSERT_TRUE(fresh.Load(m.Serialized(kDec31)));
  EXPECT_THAT(Rows(fresh.Month("2025-11", kDec31)), ElementsAre("2025-11-26 tok-a 2 0"));
  EXPECT_THAT(Rows(fresh.Month("2026-12", kDec31)), ElementsAre("2026-12-31 tok-a 3 0"));
}

TEST(UsageMeterTest, DirtyUntilSerialized) {
  UsageMeter m;
  EXPECT_FALSE(m.Dirty());
  m.Count("tok-a", kDec1, 1, 0);
  EXPECT_TRUE(m.Dirty());
  m.Serialized(kDec1);
  EXPECT_FALSE(m.Dirty());
  m.Count("tok-a", kDec1, 0, 1);
  EXPECT_TRUE(m.Dirty());
}

TEST(DayTextTest, FormatsUtcDays) {
  EXPECT_EQ(DayText(0), "1970-01-01");
  EXPECT_EQ(DayText(kDec1), "2026-12-01");
  EXPECT_EQ(DayText(kJan1), "2027-01-01");
  EXPECT_EQ(DayText(21243), "2028-02-29");
}

TEST(UsageMetaKeyTest, SharedStoresNameTheReplica) {
  EXPECT_EQ(UsageMetaKey(false, "x"), "usage");
  EXPECT_EQ(UsageMetaKey(true, "r1"), "usage/r1");
}

}  // namespace
}  // namespace authnet
