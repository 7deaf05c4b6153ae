#include "bench/load.h"

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace authnet::bench {

void LoadResult::Merge(LoadResult other) {
  calls += other.calls;
  errors += other.errors;
  seconds += other.seconds;
  latency.Merge(other.latency);
}

LoadResult RunLoad(int callers, double seconds, const std::function<bool(int caller)>& call) {
  using Clock = std::chrono::steady_clock;
  std::vector<LoadResult> per(callers);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  Clock::time_point start = Clock::now();
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      LoadResult& mine = per[c];
      while (!stop.load(std::memory_order_relaxed)) {
        Clock::time_point t0 = Clock::now();
        bool ok = call(c);
        Clock::time_point t1 = Clock::now();
        if (ok) {
          ++mine.calls;
          mine.latency.Add(std::chrono::duration<double, std::micro>(t1 - t0).count());
        } else {
          ++mine.errors;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& t : threads) {
    t.join();
  }
  LoadResult out;
  for (LoadResult& r : per) {
    out.Merge(std::move(r));
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

absl::StatusOr<int64_t> FlagInt(const ParsedFlags& flags, const std::string& name,
                                int64_t fallback, int64_t min, int64_t max) {
  std::optional<std::string> raw = flags.Get(name);
  if (!raw) {
    return fallback;
  }
  int64_t v = 0;
  if (!absl::SimpleAtoi(*raw, &v) || v < min || v > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": '", *raw, "' is not a number from ", min, " to ", max));
  }
  return v;
}

int UsageError(const std::string& mode, const std::string& what) {
  std::fprintf(stderr, "authnet-bench %s: %s; run 'authnet-bench --help'\n", mode.c_str(),
               what.c_str());
  return 2;
}

int Failure(const std::string& mode, const std::string& what) {
  std::fprintf(stderr, "authnet-bench %s: %s\n", mode.c_str(), what.c_str());
  return 1;
}

}  // namespace authnet::bench
