#include "node/metrics/metrics_registry.h"

#include <gtest/gtest.h>

namespace authnet {
namespace {

TEST(MetricsRegistryTest, RendersCountersHistogramsAndGaugesInTheTextFormat) {
  MetricsRegistry m;
  m.GetCounter("t_refused_total", "Refused.", {{"reason", "gap"}}).Increment(2);
  m.GetCounter("t_refused_total", "Refused.", {{"reason", "gap"}}).Increment();
  Histogram& h = m.GetHistogram("t_seconds", "Latency.", {{"method", "Check"}}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(7);
  m.AddGauge("t_records", "Records.", [] {
    return std::vector<std::pair<MetricLabels, double>>{{{{"origin", "a"}}, 3}, {{}, 1.5}};
  });
  EXPECT_EQ(m.Render(),
            "# HELP t_records Records.\n"
            "# TYPE t_records gauge\n"
            "t_records{origin=\"a\"} 3\n"
            "t_records 1.5\n"
            "# HELP t_refused_total Refused.\n"
            "# TYPE t_refused_total counter\n"
            "t_refused_total{reason=\"gap\"} 3\n"
            "# HELP t_seconds Latency.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{method=\"Check\",le=\"0.1\"} 1\n"
            "t_seconds_bucket{method=\"Check\",le=\"1\"} 2\n"
            "t_seconds_bucket{method=\"Check\",le=\"+Inf\"} 3\n"
            "t_seconds_sum{method=\"Check\"} 7.55\n"
            "t_seconds_count{method=\"Check\"} 3\n");
}

TEST(MetricsRegistryTest, EscapesLabelValues) {
  EXPECT_EQ(RenderLabels({{"a", "x\"y\\z\nw"}}), "{a=\"x\\\"y\\\\z\\nw\"}");
  EXPECT_EQ(RenderLabels({}), "");
  MetricsRegistry m;
  m.GetHistogram("t", "T.", {{"a", "q\"uote"}}, {1}).Observe(0.5);
  EXPECT_NE(m.Render().find("t_bucket{a=\"q\\\"uote\",le=\"1\"} 1\n"), std::string::npos)
      << m.Render();
}

TEST(MetricsRegistryTest, ADeclaredFamilyIsItsHelpAndTypeUntilItsFirstSeries) {
  MetricsRegistry m;
  m.DeclareCounter("t_calls_total", "Calls.");
  m.DeclareHistogram("t_seconds", "Latency.");
  EXPECT_EQ(m.Render(),
            "# HELP t_calls_total Calls.\n"
            "# TYPE t_calls_total counter\n"
            "# HELP t_seconds Latency.\n"
            "# TYPE t_seconds histogram\n");
  m.GetCounter("t_calls_total", "Other help.", {{"client", "a"}}).Increment();
  const std::string first =
      "# HELP t_calls_total Calls.\n"
      "# TYPE t_calls_total counter\n"
      "t_calls_total{client=\"a\"} 1\n";
  EXPECT_EQ(m.Render().substr(0, first.size()), first);
}

}  // namespace
}  // namespace authnet
