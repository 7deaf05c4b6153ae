#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace authnet {

// MetricLabels are a series' label pairs, e.g. {{"method", "Check"}}.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Counter only goes up. Thread-safe and lock-free.
class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Histogram counts observations into cumulative buckets by upper bound.
// Thread-safe and lock-free.
class Histogram {
 public:
  // `bounds` are the buckets' upper bounds, ascending (+Inf is implied).
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // BucketCount is the number of observations <= bounds()[i] (not cumulative).
  uint64_t BucketCount(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1, the last is +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// kLatencyBuckets suit call and commit latencies in seconds: 50 us to 10 s.
extern const std::vector<double> kLatencyBuckets;

// MetricsRegistry holds a node's metrics and renders them in the Prometheus
// text exposition format (version 0.0.4). Counters and histograms are
// created on first use and live as long as the registry; gauges are read
// when rendered. Thread-safe.
//
//   MetricsRegistry metrics;
//   metrics.GetCounter("authnet_batches_refused_total", "Peer batches refused.",
//                      {{"reason", "gap"}}).Increment();
//   std::string page = metrics.Render();
class MetricsRegistry {
 public:
  // A GaugeReader returns a gauge's series at render time. It runs on the
  // rendering thread and must be thread-safe.
  using GaugeReader = std::function<std::vector<std::pair<MetricLabels, double>>()>;

  // GetCounter returns the counter `name` with `labels`. `help` describes
  // the family (the first call's is kept). The reference stays valid for
  // the registry's lifetime.
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const MetricLabels& labels = {}) ABSL_LOCKS_EXCLUDED(mu_);
  // GetHistogram is GetCounter for a histogram with `bounds`.
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const MetricLabels& labels = {},
                          const std::vector<double>& bounds = kLatencyBuckets)
      ABSL_LOCKS_EXCLUDED(mu_);
  // AddGauge registers gauge family `name`, read by `read` at render time.
  void AddGauge(const std::string& name, const std::string& help, GaugeReader read)
      ABSL_LOCKS_EXCLUDED(mu_);
  // DeclareCounter registers counter family `name` with no series yet, so
  // that Render shows its HELP and TYPE before the first GetCounter: for
  // families whose labels are open-ended (a client, a member).
  void DeclareCounter(const std::string& name, const std::string& help) ABSL_LOCKS_EXCLUDED(mu_);
  // DeclareHistogram is DeclareCounter for a histogram family.
  void DeclareHistogram(const std::string& name, const std::string& help) ABSL_LOCKS_EXCLUDED(mu_);

  // Render returns every metric, families sorted by name; a family with no
  // series yet is its HELP and TYPE lines alone.
  std::string Render() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Family {
    std::string help;
    std::string type;  // counter, histogram or gauge
    std::map<std::string, std::unique_ptr<Counter>> counters;  // by rendered labels
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    GaugeReader gauge;
  };
  Family& FamilyLocked(const std::string& name, const std::string& help, const char* type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);
};

// RenderLabels renders `labels` as {a="x",b="y"} (empty for none), escaping
// backslashes, quotes and newlines in values.
std::string RenderLabels(const MetricLabels& labels);

}  // namespace authnet
