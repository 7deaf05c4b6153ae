#include "bench/market_sim.h"

#include <gtest/gtest.h>

namespace authnet::bench {
namespace {

// A smaller market than `authnet-bench sim` plays, so the suite stays quick;
// the full-size figures are in bench/README.md.
MarketOptions SmallMarket() {
  MarketOptions o;
  o.days = 50;
  o.genuine_suppliers = 150;
  o.counterfeiters = 16;
  return o;
}

TEST(MarketSimTest, SameSeedSameMarket) {
  absl::StatusOr<MarketResult> a = RunMarket(SmallMarket(), 4);
  absl::StatusOr<MarketResult> b = RunMarket(SmallMarket(), 4);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->counterfeit_checkouts, b->counterfeit_checkouts);
  EXPECT_EQ(a->counterfeit_denied, b->counterfeit_denied);
  EXPECT_EQ(a->genuine_denied, b->genuine_denied);
  EXPECT_EQ(a->clones_detected, b->clones_detected);
  EXPECT_EQ(a->records, b->records);
  MarketOptions other = SmallMarket();
  other.seed = 2;
  absl::StatusOr<MarketResult> c = RunMarket(other, 4);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->records, c->records);
}

TEST(MarketSimTest, TheNetworkCatchesMoreThanALonePlatformWithoutFalseDenies) {
  absl::StatusOr<MarketResult> alone = RunMarket(SmallMarket(), 1);
  absl::StatusOr<MarketResult> network = RunMarket(SmallMarket(), 8);
  ASSERT_TRUE(alone.ok()) << alone.status();
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_GT(alone->counterfeit_checkouts, 1000u);
  EXPECT_GT(alone->genuine_checkouts, 5000u);
  EXPECT_GT(alone->recall(), 0.0);
  EXPECT_GT(network->recall(), 2 * alone->recall());
  EXPECT_LE(network->false_deny(), 0.001);
  EXPECT_GT(network->clones_detected, alone->clones_detected);
  EXPECT_LE(network->clones_detected, network->clones_total);
}

TEST(MarketSimTest, AMaliciousMemberDoesNotRaiseFalseDenies) {
  MarketOptions o = SmallMarket();
  absl::StatusOr<MarketResult> honest = RunMarket(o, 8);
  o.malicious_member = 7;
  absl::StatusOr<MarketResult> attacked = RunMarket(o, 8);
  ASSERT_TRUE(honest.ok()) << honest.status();
  ASSERT_TRUE(attacked.ok()) << attacked.status();
  EXPECT_GT(attacked->records, honest->records + 10000) << "the attack files its flood";
  EXPECT_LT(attacked->false_deny(), honest->false_deny() + 0.0005);
  EXPECT_LT(attacked->review_rate(), honest->review_rate() + 0.01);
}

TEST(MarketSimTest, ABrandRaisesRecallOnItsGtinsAndMissedUploadsCostReviewsNotDenies) {
  MarketOptions o = SmallMarket();
  absl::StatusOr<MarketResult> without = RunMarket(o, 8);
  o.brand = true;
  o.customs = true;
  absl::StatusOr<MarketResult> with = RunMarket(o, 8);
  ASSERT_TRUE(without.ok()) << without.status();
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_GT(with->missed, 0u);
  EXPECT_GT(with->serialized.counterfeit_checkouts, 300u);
  // Fakes with made-up serials are not commissioned: held for review, and
  // the inspection that follows feeds the network's evidence.
  EXPECT_GT(with->serialized.recall(), without->serialized.recall());
  EXPECT_GT(with->serialized.counterfeit_reviewed, without->serialized.counterfeit_reviewed);
  // Missed uploads send genuine units to review (the default), never deny.
  EXPECT_GT(with->serialized.review_rate(), without->serialized.review_rate());
  EXPECT_LE(with->serialized.false_deny(), 0.001);
  // Customs, an observer, sees the brand's records and checks against them.
  EXPECT_GT(with->customs.counterfeit_checkouts, 0u);
  EXPECT_GT(with->customs.counterfeit_reviewed + with->customs.counterfeit_denied, 0u);

  o.model.not_commissioned_decision = v1::DECISION_DENY;
  absl::StatusOr<MarketResult> strict = RunMarket(o, 8);
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_GT(strict->serialized.false_deny(), 0.0) << "missed uploads now deny genuine units";
  EXPECT_GT(strict->serialized.recall(), with->serialized.recall());
}

TEST(MarketSimTest, RefusesBadOptions) {
  EXPECT_EQ(RunMarket(SmallMarket(), 3).status().code(), absl::StatusCode::kInvalidArgument);
  MarketOptions o = SmallMarket();
  o.malicious_member = 8;
  EXPECT_EQ(RunMarket(o, 8).status().code(), absl::StatusCode::kInvalidArgument);
  o = SmallMarket();
  o.model.half_life_days = 0;
  EXPECT_EQ(RunMarket(o, 8).status().code(), absl::StatusCode::kInvalidArgument);
  o = SmallMarket();
  o.missed_uploads = 1.5;
  EXPECT_EQ(RunMarket(o, 8).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace authnet::bench
