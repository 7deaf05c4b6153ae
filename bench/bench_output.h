#pragma once

#include <string>
#include <vector>

namespace authnet::bench {

// Results collects one benchmark's figures and prints them as a table for
// people and, with --json, as one JSON object on the last line of stdout.
class Results {
 public:
  // Add records figure `key` (a JSON key) with a label and unit for the table.
  void Add(std::string key, double value, std::string label, std::string unit = "");
  // Note adds a line printed under the table (not in the JSON).
  void Note(std::string line) { notes_.push_back(std::move(line)); }
  void Print(bool json) const;

 private:
  struct Figure {
    std::string key;
    double value;
    std::string label;
    std::string unit;
  };
  std::vector<Figure> figures_;
  std::vector<std::string> notes_;
};

// Latencies gathers call durations and reads percentiles off them.
class Latencies {
 public:
  void Add(double micros) { samples_.push_back(micros); }
  void Merge(const Latencies& other);
  size_t count() const { return samples_.size(); }
  // Percentile returns the q-quantile (0..1) in microseconds, 0 if empty.
  double Percentile(double q);

 private:
  std::vector<double> samples_;
  bool sorted_ = false;
};

// Progress prints one line of what a benchmark is doing to stderr.
void Progress(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace authnet::bench
