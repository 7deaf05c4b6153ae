#include "node/metrics/metrics_registry.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace authnet {

const std::vector<double> kLatencyBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                             0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                             0.5,     1,      2.5,     5,      10};

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::string RenderLabels(const MetricLabels& labels) {
  if (labels.empty()) {
    return "";
  }
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) {
      out += ',';
    }
    absl::StrAppend(&out, name, "=\"");
    for (char c : value) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  return out + "}";
}

namespace {

// WithLabel renders `labels` plus one more pair.
std::string WithLabel(MetricLabels labels, std::string name, std::string value) {
  labels.emplace_back(std::move(name), std::move(value));
  return RenderLabels(labels);
}

// Number renders a sample value: integers without a fraction.
std::string Number(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrCat(v);
}

// LabelsOf parses back what RenderLabels wrote ({a="x"} -> {{"a","x"}}), for
// histograms, whose bucket lines add the `le` label.
MetricLabels LabelsOf(const std::string& rendered) {
  MetricLabels out;
  size_t i = 1;
  while (i + 1 < rendered.size()) {
    size_t eq = rendered.find('=', i);
    std::string name = rendered.substr(i, eq - i);
    std::string value;
    size_t j = eq + 2;
    for (; rendered[j] != '"'; ++j) {
      if (rendered[j] == '\\') {
        ++j;
        value += rendered[j] == 'n' ? '\n' : rendered[j];
      } else {
        value += rendered[j];
      }
    }
    out.emplace_back(std::move(name), std::move(value));
    i = j + 2;  // past the quote and the comma (or onto the brace)
  }
  return out;
}

}  // namespace

MetricsRegistry::Family& MetricsRegistry::FamilyLocked(const std::string& name,
                                                       const std::string& help, const char* type) {
  Family& family = families_[name];
  if (family.type.empty()) {
    family.help = help;
    family.type = type;
  }
  return family;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const MetricLabels& labels) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Counter>& c = FamilyLocked(name, help, "counter").counters[RenderLabels(labels)];
  if (c == nullptr) {
    c = std::make_unique<Counter>();
  }
  return *c;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const MetricLabels& labels,
                                         const std::vector<double>& bounds) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Histogram>& h =
      FamilyLocked(name, help, "histogram").histograms[RenderLabels(labels)];
  if (h == nullptr) {
    h = std::make_unique<Histogram>(bounds);
  }
  return *h;
}

void MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                               GaugeReader read) {
  absl::MutexLock lock(&mu_);
  FamilyLocked(name, help, "gauge").gauge = std::move(read);
}

void MetricsRegistry::DeclareCounter(const std::string& name, const std::string& help) {
  absl::MutexLock lock(&mu_);
  FamilyLocked(name, help, "counter");
}

void MetricsRegistry::DeclareHistogram(const std::string& name, const std::string& help) {
  absl::MutexLock lock(&mu_);
  FamilyLocked(name, help, "histogram");
}

std::string MetricsRegistry::Render() const {
  // Gauges are read after the lock is released: their readers take the
  // locks of the components they read, which may themselves count things.
  std::vector<std::pair<std::string, GaugeReader>> sections;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, family] : families_) {
      std::string text = absl::StrCat("# HELP ", name, " ", family.help, "\n# TYPE ", name, " ",
                                      family.type, "\n");
      for (const auto& [labels, counter] : family.counters) {
        absl::StrAppend(&text, name, labels, " ", counter->value(), "\n");
      }
      for (const auto& [labels, h] : family.histograms) {
        MetricLabels parsed = LabelsOf(labels);
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= h->bounds().size(); ++i) {
          cumulative += h->BucketCount(i);
          std::string le = i < h->bounds().size() ? Number(h->bounds()[i]) : "+Inf";
          absl::StrAppend(&text, name, "_bucket", WithLabel(parsed, "le", le), " ", cumulative,
                          "\n");
        }
        absl::StrAppend(&text, name, "_sum", labels, " ", Number(h->sum()), "\n", name,
                        "_count", labels, " ", cumulative, "\n");
      }
      sections.emplace_back(std::move(text), family.gauge);
    }
  }
  std::string out;
  for (const auto& [text, gauge] : sections) {
    out += text;
    if (gauge) {
      std::string name = text.substr(7, text.find(' ', 7) - 7);  // after "# HELP "
      for (const auto& [labels, value] : gauge()) {
        absl::StrAppend(&out, name, RenderLabels(labels), " ", Number(value), "\n");
      }
    }
  }
  return out;
}

}  // namespace authnet
