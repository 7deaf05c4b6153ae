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

TEST(MarketSimTest, RefusesBadOptions) {
  EXPECT_EQ(RunMarket(SmallMarket(), 3).status().code(), absl::StatusCode::kInvalidArgument);
  MarketOptions o = SmallMarket();
  o.malicious_member = 8;
  EXPECT_EQ(RunMarket(o, 8).status().code(), absl::StatusCode::kInvalidArgument);
  o = SmallMarket();
  o.model.half_life_days = 0;
  EXPECT_EQ(RunMarket(o, 8).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace authnet::bench
