#include "bench/bench_output.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/core/json.h"

namespace authnet::bench {

void Results::Add(std::string key, double value, std::string label, std::string unit) {
  figures_.push_back({std::move(key), value, std::move(label), std::move(unit)});
}

void Results::Print(bool json) const {
  size_t width = 0;
  for (const Figure& f : figures_) {
    width = std::max(width, f.label.size());
  }
  for (const Figure& f : figures_) {
    std::string value = std::fabs(f.value) >= 100 || f.value == std::floor(f.value)
                            ? absl::StrFormat("%.0f", f.value)
                            : absl::StrFormat("%.3g", f.value);
    std::printf("%-*s %14s %s\n", static_cast<int>(width), f.label.c_str(), value.c_str(),
                f.unit.c_str());
  }
  for (const std::string& line : notes_) {
    std::printf("%s\n", line.c_str());
  }
  if (json) {
    std::string out = "{";
    for (size_t i = 0; i < figures_.size(); ++i) {
      double v = figures_[i].value;
      // Counts print as integers (1e+07 is valid JSON, but not friendly).
      std::string number = std::fabs(v) < 9e15 && v == std::floor(v)
                               ? absl::StrFormat("%.0f", v)
                               : JsonNumber(v);
      absl::StrAppend(&out, i == 0 ? "" : ", ", JsonQuote(figures_[i].key), ": ", number);
    }
    std::printf("%s}\n", out.c_str());
  }
  std::fflush(stdout);
}

void Latencies::Merge(const Latencies& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  sorted_ = false;
}

double Latencies::Percentile(double q) {
  if (samples_.empty()) {
    return 0;
  }
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(samples_.size()))) ;
  return samples_[std::min(samples_.size() - 1, i == 0 ? 0 : i - 1)];
}

void Progress(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace authnet::bench
