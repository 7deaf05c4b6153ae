#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "bench/bench_output.h"
#include "node/core/flag_parser.h"

namespace authnet::bench {

// LoadResult is what a closed-loop load run measured.
struct LoadResult {
  uint64_t calls = 0;   // successful calls
  uint64_t errors = 0;  // failed calls (not timed)
  double seconds = 0;
  Latencies latency;  // microseconds, successful calls only
  double qps() const { return seconds > 0 ? static_cast<double>(calls) / seconds : 0; }
  void Merge(LoadResult other);
};

// RunLoad runs `callers` threads, each calling `call(caller)` back to back
// for `seconds`, and times every call. `call` returns false on failure.
LoadResult RunLoad(int callers, double seconds, const std::function<bool(int caller)>& call);

// FlagInt reads integer flag `name` (default `fallback`) within [min, max].
[[nodiscard]] absl::StatusOr<int64_t> FlagInt(const ParsedFlags& flags, const std::string& name,
                                              int64_t fallback, int64_t min, int64_t max);

// UsageError prints "authnet-bench MODE: WHAT; run 'authnet-bench --help'"
// and returns 2, the exit status for bad usage.
int UsageError(const std::string& mode, const std::string& what);
// Failure prints "authnet-bench MODE: WHAT" and returns 1.
int Failure(const std::string& mode, const std::string& what);

}  // namespace authnet::bench
