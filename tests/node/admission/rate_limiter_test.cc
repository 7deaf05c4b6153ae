#include "node/admission/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>

namespace authnet {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiter Make(RateLimiter::Options options) {
    return RateLimiter(options, "peer", &refused_, nullptr, [this] { return now_.load(); });
  }
  void Advance(double seconds) { now_ += static_cast<int64_t>(seconds * 1e6); }

  std::atomic<int64_t> now_{1'000'000};
  Counter refused_;
};

TEST_F(RateLimiterTest, BurstThenSteadyRatePerClient) {
  RateLimiter limiter = Make({.per_second = 10, .burst = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.Admit("globex").ok()) << i;
  }
  absl::Status over = limiter.Admit("globex");
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(over.message(),
            "rate limit: peer globex made more than 10 calls/s (burst 3); retry with backoff");
  // Another client has its own bucket.
  EXPECT_TRUE(limiter.Admit("initech").ok());
  // A tenth of a second buys one call at 10/s, and only one.
  Advance(0.1);
  EXPECT_TRUE(limiter.Admit("globex").ok());
  EXPECT_FALSE(limiter.Admit("globex").ok());
  // Idle time refills up to the burst, not beyond.
  Advance(60);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.Admit("globex").ok()) << i;
  }
  EXPECT_FALSE(limiter.Admit("globex").ok());
  EXPECT_EQ(refused_.value(), 3u);
}

TEST_F(RateLimiterTest, ZeroRateIsNoLimitAndBurstDefaultsToTheRate) {
  RateLimiter unlimited = Make({.per_second = 0});
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(unlimited.Admit("x").ok());
  }
  RateLimiter no_burst = Make({.per_second = 5});
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(no_burst.Admit("x").ok()) << i;
  }
  EXPECT_FALSE(no_burst.Admit("x").ok());
}

TEST_F(RateLimiterTest, ForgetsIdleClientsOnlyWhenThereAreMany) {
  RateLimiter limiter = Make({.per_second = 1, .burst = 1});
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(limiter.Admit("client-" + std::to_string(i)).ok());
  }
  EXPECT_EQ(limiter.clients(), 10'000u);
  // client-0 is throttled now; a while later every bucket is full again
  // and a new client makes the limiter forget them.
  EXPECT_FALSE(limiter.Admit("client-0").ok());
  Advance(2);
  EXPECT_TRUE(limiter.Admit("newcomer").ok());
  EXPECT_EQ(limiter.clients(), 1u);
}

TEST_F(RateLimiterTest, ACallCostsTheWorkItAsksFor) {
  RateLimiter limiter =
      RateLimiter({.per_second = 10, .burst = 100, .unit = "checks"}, "api client", &refused_,
                  nullptr, [this] { return now_.load(); });
  EXPECT_TRUE(limiter.Admit("shop", 60).ok());
  absl::Status over = limiter.Admit("shop", 60);  // 40 left
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(over.message(),
            "rate limit: api client shop made more than 10 checks/s (burst 100); retry with "
            "backoff");
  EXPECT_TRUE(limiter.Admit("shop", 40).ok());  // a refused call took nothing
  EXPECT_FALSE(limiter.Admit("shop", 1).ok());
  Advance(1);
  EXPECT_TRUE(limiter.Admit("shop", 10).ok());
  EXPECT_EQ(refused_.value(), 2u);
}

TEST_F(RateLimiterTest, ACallLargerThanTheBurstSaysSo) {
  RateLimiter limiter =
      RateLimiter({.per_second = 10, .burst = 100, .unit = "checks"}, "api client", &refused_,
                  nullptr, [this] { return now_.load(); });
  absl::Status st = limiter.Admit("shop", 101);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(),
            "rate limit: one call of 101 checks is more than api client shop may make at once "
            "(burst 100); split it");
  EXPECT_TRUE(limiter.Admit("shop", 100).ok());  // and it took nothing
}

}  // namespace
}  // namespace authnet
