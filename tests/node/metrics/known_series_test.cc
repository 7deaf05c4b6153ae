#include "node/metrics/known_series.h"

#include <gtest/gtest.h>

#include "node/core/build_info.h"
#include "node/metrics/metric_names.h"

namespace authnet {
namespace {

bool Has(const std::string& page, const std::string& line) {
  return page.find(line + "\n") != std::string::npos;
}

TEST(KnownSeriesTest, EveryRefusalReasonIsExportedAtZeroBeforeTheFirst) {
  MetricsRegistry m;
  RegisterKnownSeries(m);
  std::string page = m.Render();
  EXPECT_TRUE(Has(page, "# TYPE authnet_batches_refused_total counter")) << page;
  for (const char* reason : {"malformed", "unverified", "out_of_range", "role", "key_epoch", "gap",
                             "conflict", "unreadable"}) {
    EXPECT_TRUE(
        Has(page, "authnet_batches_refused_total{reason=\"" + std::string(reason) + "\"} 0"))
        << reason;
  }
  for (const char* listener : {"api", "peer"}) {
    std::string l = listener;
    EXPECT_TRUE(Has(page, "authnet_rate_limited_total{listener=\"" + l + "\"} 0")) << l;
    EXPECT_TRUE(Has(page, "authnet_connections_evicted_total{listener=\"" + l + "\"} 0")) << l;
    EXPECT_TRUE(Has(page, "authnet_abusive_connections_closed_total{listener=\"" + l + "\"} 0"))
        << l;
    for (const char* reason : {"listener_full", "host_full", "banned"}) {
      EXPECT_TRUE(Has(page, "authnet_connections_refused_total{listener=\"" + l + "\",reason=\"" +
                                reason + "\"} 0"))
          << l << " " << reason;
    }
  }
  EXPECT_TRUE(Has(page, "authnet_store_commit_seconds_count 0"));

  // The first refusal is an increase from 0 on the same series.
  m.GetCounter(kBatchesRefused, kBatchesRefusedHelp, {{"reason", kBatchRefusedConflict}})
      .Increment();
  EXPECT_TRUE(Has(m.Render(), "authnet_batches_refused_total{reason=\"conflict\"} 1"));
}

TEST(KnownSeriesTest, FamiliesWithOpenEndedLabelsShowTheirHelpAndTypeAlone) {
  MetricsRegistry m;
  RegisterKnownSeries(m);
  std::string page = m.Render();
  for (const auto& [name, type] : {std::pair{"authnet_api_checks_total", "counter"},
                                   std::pair{"authnet_api_reports_total", "counter"},
                                   std::pair{"authnet_roster_key_changes_total", "counter"},
                                   std::pair{"authnet_rpc_duration_seconds", "histogram"}}) {
    std::string n = name;
    EXPECT_TRUE(Has(page, "# TYPE " + n + " " + type)) << n;
    EXPECT_NE(page.find("# HELP " + n + " "), std::string::npos) << n;
    EXPECT_EQ(page.find("\n" + n + "{"), std::string::npos) << n << " has a series already";
  }
  // A series counted later joins its family under the one HELP.
  m.GetCounter(kApiChecks, kApiChecksHelp, {{"client", "pos"}}).Increment();
  page = m.Render();
  EXPECT_TRUE(Has(page, "authnet_api_checks_total{client=\"pos\"} 1"));
  EXPECT_EQ(page.find("# HELP authnet_api_checks_total"),
            page.rfind("# HELP authnet_api_checks_total"));
}

TEST(KnownSeriesTest, BuildInfoIsOneWithTheVersionCommitAndLibraries) {
  MetricsRegistry m;
  RegisterKnownSeries(m);
  BuildInfo b = GetBuildInfo();
  std::string page = m.Render();
  EXPECT_TRUE(Has(page, "# TYPE authnet_build_info gauge")) << page;
  EXPECT_TRUE(Has(page, "authnet_build_info{version=\"" + b.version + "\",commit=\"" + b.commit +
                            "\",grpc=\"" + b.grpc + "\",protobuf=\"" + b.protobuf +
                            "\",openssl=\"" + b.openssl + "\",sqlite=\"" + b.sqlite + "\"} 1"))
      << page;
}

}  // namespace
}  // namespace authnet
