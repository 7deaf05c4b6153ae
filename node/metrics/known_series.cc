#include "node/metrics/known_series.h"

#include "node/core/build_info.h"
#include "node/metrics/metric_names.h"

namespace authnet {
namespace {

void RegisterBuildInfo(MetricsRegistry& metrics) {
  BuildInfo b = GetBuildInfo();
  MetricLabels labels = {{"version", b.version},   {"commit", b.commit},   {"grpc", b.grpc},
                         {"protobuf", b.protobuf}, {"openssl", b.openssl}, {"sqlite", b.sqlite}};
  metrics.AddGauge(kBuildInfo, kBuildInfoHelp, [labels] {
    return std::vector<std::pair<MetricLabels, double>>{{labels, 1}};
  });
}

}  // namespace

void RegisterKnownSeries(MetricsRegistry& metrics) {
  RegisterBuildInfo(metrics);
  for (const char* reason : kBatchRefusedReasons) {
    metrics.GetCounter(kBatchesRefused, kBatchesRefusedHelp, {{"reason", reason}});
  }
  for (const char* listener : kGrpcListeners) {
    metrics.GetCounter(kRateLimited, kRateLimitedHelp, {{"listener", listener}});
    metrics.GetCounter(kConnectionsEvicted, kConnectionsEvictedHelp, {{"listener", listener}});
    for (const char* reason : kConnectionRefusedReasons) {
      metrics.GetCounter(kConnectionsRefused, kConnectionsRefusedHelp,
                         {{"listener", listener}, {"reason", reason}});
    }
    // On the peer listener, with a `member` label once the caller is known.
    metrics.GetCounter(kAbusiveConnectionsClosed, kAbusiveConnectionsClosedHelp,
                       {{"listener", listener}});
  }
  metrics.GetHistogram(kStoreCommitSeconds, kStoreCommitSecondsHelp);
  // Open-ended labels: HELP and TYPE now, each series with its first event.
  metrics.DeclareCounter(kApiChecks, kApiChecksHelp);
  metrics.DeclareCounter(kApiReports, kApiReportsHelp);
  metrics.DeclareCounter(kRosterKeyChanges, kRosterKeyChangesHelp);
  metrics.DeclareHistogram(kRpcDuration, kRpcDurationHelp);
}

}  // namespace authnet
