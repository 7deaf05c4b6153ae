#include "bench/sim_svg.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

namespace authnet::bench {
namespace {

using ::testing::HasSubstr;

// Ys returns the cy of every circle, in document order.
std::vector<double> Ys(const std::string& svg) {
  std::vector<double> ys;
  std::regex cy("<circle cx=\"[0-9.]+\" cy=\"([0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), cy); it != std::sregex_iterator();
       ++it) {
    ys.push_back(std::stod((*it)[1]));
  }
  return ys;
}

TEST(SimSvgTest, APointPerSizeInEachPanelPlacedByItsValue) {
  const std::string svg =
      SimSvg({{1, 0.10, 0.0}, {2, 0.30, 0.0001}, {4, 0.50, 0.0002}, {8, 0.70, 0.0004}},
             "8 platforms, 120 days, seed 1 & <x>");
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr("seed 1 &amp; &lt;x&gt;"));  // escaped
  EXPECT_THAT(svg, HasSubstr("<title>8: 70.00%</title>"));
  EXPECT_THAT(svg, HasSubstr("<title>4: 0.020%</title>"));
  std::vector<double> ys = Ys(svg);
  ASSERT_EQ(ys.size(), 8u);
  // Higher values sit higher (smaller y), in both panels.
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_LT(ys[i], ys[i - 1]) << i;
    EXPECT_LT(ys[4 + i], ys[4 + i - 1]) << i;
  }
  // The recall axis tops out at 100% here (0.70 -> a top of 100), so 70% sits
  // 70% of the way up its 240-pixel panel from y = 296.
  EXPECT_NEAR(ys[3], 56 + 240 * (1 - 0.70), 0.1);
}

TEST(SimSvgTest, NoPointsIsAnEmptyDocument) {
  const std::string svg = SimSvg({}, "none");
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_TRUE(Ys(svg).empty());
}

}  // namespace
}  // namespace authnet::bench
