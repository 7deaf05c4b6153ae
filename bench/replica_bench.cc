// authnet-bench replicas: two replicas of one member on one PostgreSQL
// database, reports to the first, and how long until the second one's model
// holds each (issue 16's visibility target: p99 <= 100 ms).
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "authnet/client.h"
#include "bench/bench_network.h"
#include "bench/catalog.h"
#include "bench/load.h"
#include "bench/modes.h"
#include "bench/pg_scratch.h"
#include "node/core/log_text.h"
#include "node/daemon/node.h"
#include "spdlog/sinks/null_sink.h"

namespace authnet::bench {
namespace {

constexpr uint64_t kUnits = 100'000;

// Replicas is member 0 of a one-member network started twice on one store.
struct Replicas {
  std::unique_ptr<PgScratch> scratch;
  std::unique_ptr<BenchNetwork> net;  // replica a is the network's node 0
  std::unique_ptr<Node> b;            // replica b
  std::unique_ptr<Client> client;     // to replica a
};

absl::StatusOr<Replicas> StartReplicas(const std::string& server_url) {
  Replicas r;
  absl::StatusOr<std::unique_ptr<PgScratch>> scratch = PgScratch::Create(server_url);
  if (!scratch.ok()) {
    return scratch.status();
  }
  r.scratch = *std::move(scratch);
  absl::StatusOr<std::unique_ptr<BenchNetwork>> net = BenchNetwork::Create(1);
  if (!net.ok()) {
    return net.status();
  }
  r.net = *std::move(net);
  NodeOptions& a = r.net->options(0);
  a.store_url = r.scratch->url();
  a.replica = "a";
  if (absl::Status st = r.net->Start(0); !st.ok()) {
    return st;
  }
  NodeOptions b = a;
  b.replica = "b";
  b.data_dir = r.net->dir() / "replica-b";
  b.peer_listen = "127.0.0.1:0";
  b.api_listen = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(b, r.net->clock(), std::make_shared<spdlog::sinks::null_sink_mt>());
  if (!node.ok()) {
    return node.status();
  }
  r.b = *std::move(node);
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Create({.target = r.net->api_target(0), .deadline = std::chrono::seconds(5)});
  if (!client.ok()) {
    return client.status();
  }
  r.client = *std::move(client);
  return r;
}

}  // namespace

int RunReplicas(const std::vector<std::string>& args) {
  const std::string mode = "replicas";
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, {"store", "concurrency", "duration"}, {"json"});
  if (!f.ok()) {
    return UsageError(mode, std::string(f.status().message()));
  }
  std::optional<std::string> server = f->Get("store");
  if (!server) {
    return UsageError(mode,
                      "--store SERVER_URL is required (a PostgreSQL server the "
                      "benchmark may create a scratch database on)");
  }
  absl::StatusOr<int64_t> callers = FlagInt(*f, "concurrency", 4, 1, 256);
  absl::StatusOr<int64_t> duration = FlagInt(*f, "duration", 10, 1, 3600);
  if (!callers.ok() || !duration.ok()) {
    return UsageError(mode, std::string((callers.ok() ? duration : callers).status().message()));
  }
  Progress("starting two replicas of one member on a scratch database...");
  absl::StatusOr<Replicas> r = StartReplicas(*server);
  if (!r.ok()) {
    return Failure(mode, std::string(r.status().message()));
  }
  const std::string origin = r->net->id(0);
  Catalog catalog(kUnits);
  std::atomic<uint64_t> counter{0};
  std::vector<Latencies> lags(static_cast<size_t>(*callers));
  std::atomic<uint64_t> late{0};
  // Each caller reports to replica a, then waits until replica b's model
  // holds the report's seq: the time from the answer to that is the lag.
  auto call = [&](int caller) {
    uint64_t i = counter++;
    absl::StatusOr<ReportResult> rep = r->client->Report(
        catalog.CheckFor(i % kUnits), SignalKind::kUnitSold, 1.0, absl::StrCat("replica-", i));
    if (!rep.ok()) {
      return false;
    }
    auto answered = std::chrono::steady_clock::now();
    while (r->b->model().LastSeq(origin) < rep->seq) {
      if (std::chrono::steady_clock::now() - answered > std::chrono::seconds(5)) {
        ++late;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    lags[static_cast<size_t>(caller)].Add(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - answered)
            .count());
    return true;
  };
  Progress("reports to replica a, %lld callers, %lld s, each waiting until b holds it...",
           static_cast<long long>(*callers), static_cast<long long>(*duration));
  LoadResult load = RunLoad(static_cast<int>(*callers), static_cast<double>(*duration), call);
  Latencies lag;
  for (const Latencies& l : lags) {
    lag.Merge(l);
  }
  r->b->Shutdown(std::chrono::system_clock::now());
  if (load.errors > 0) {
    return Failure(mode,
                   absl::StrCat(Counted(load.errors, "report"), " failed or ",
                                load.errors == 1 ? "was" : "were", " not visible on b within 5 s (",
                                late.load(), " of them late)"));
  }
  Results results;
  results.Add("callers", static_cast<double>(*callers), "callers");
  results.Add("reports", static_cast<double>(load.calls), "reports");
  results.Add("lag_p50_ms", lag.Percentile(0.5) / 1000, "visible on b p50", "ms");
  results.Add("lag_p99_ms", lag.Percentile(0.99) / 1000, "visible on b p99", "ms (target <= 100)");
  results.Add("lag_max_ms", lag.Percentile(1.0) / 1000, "visible on b max", "ms");
  results.Note(
      "lag: from replica a's answer until replica b's model holds the seq (polled every "
      "100 us)");
  results.Print(f->Has("json"));
  return 0;
}

}  // namespace authnet::bench
