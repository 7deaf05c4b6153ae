// authnet-bench ingest, sync and converge: real nodes in this process,
// talking mutual TLS over loopback; a WireCounter relay counts the bytes.
#include <algorithm>
#include <atomic>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "authnet/client.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "bench/bench_network.h"
#include "bench/load.h"
#include "bench/modes.h"
#include "bench/wire_counter.h"

namespace authnet::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// RoundLog records each sync round of one link with the wire bytes it took.
// The link's callbacks share its state and the counter, so they stay valid
// however the bench unwinds while the node is still running.
class RoundLog {
 public:
  struct Round {
    SyncRoundStats stats;
    uint64_t bytes = 0;
    double seconds = 0;
  };

  // Attach makes `options`' link report its rounds here, counted on `wire`.
  void Attach(PeerLinkOptions* options, std::shared_ptr<const WireCounter> wire) {
    options->on_round_start = [state = state_, wire] {
      absl::MutexLock lock(&state->mu);
      state->start_bytes = wire->total();
      state->start = SteadyClock::now();
    };
    options->on_round_end = [state = state_, wire](const SyncRoundStats& stats) {
      absl::MutexLock lock(&state->mu);
      state->rounds.push_back(
          {stats, wire->total() - state->start_bytes,
           std::chrono::duration<double>(SteadyClock::now() - state->start).count()});
    };
  }

  // Wait returns round `n` (from 0) once it ended, or nullopt after `timeout`.
  std::optional<Round> Wait(size_t n, std::chrono::seconds timeout) {
    State& st = *state_;
    absl::MutexLock lock(&st.mu);
    auto enough = [&st, n]() ABSL_SHARED_LOCKS_REQUIRED(st.mu) { return st.rounds.size() > n; };
    if (!st.mu.AwaitWithTimeout(absl::Condition(&enough), absl::FromChrono(timeout))) {
      return std::nullopt;
    }
    return st.rounds[n];
  }

 private:
  struct State {
    absl::Mutex mu;
    uint64_t start_bytes ABSL_GUARDED_BY(mu) = 0;
    SteadyClock::time_point start ABSL_GUARDED_BY(mu);
    std::vector<Round> rounds ABSL_GUARDED_BY(mu);
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// StartThroughRelay starts node `server` (dialing `receiver` directly), then
// `receiver` dialing it through a WireCounter, with its rounds logged in
// `rounds`.
absl::Status StartThroughRelay(BenchNetwork& n, int server, int receiver, RoundLog& rounds) {
  n.options(server).peers = {n.options(receiver).peer_listen};
  if (absl::Status st = n.Start(server); !st.ok()) {
    return st;
  }
  absl::StatusOr<std::shared_ptr<WireCounter>> wire =
      WireCounter::Start(n.node(server).peer_port());
  if (!wire.ok()) {
    return wire.status();
  }
  rounds.Attach(&n.options(receiver).peer_links, *wire);
  n.options(receiver).peers = {(*wire)->address()};
  return n.Start(receiver);
}

// SpreadDiff splits `diff` records over origins round robin, skipping the
// receiving node's own origin (a node never lacks its own records).
std::vector<uint64_t> SpreadDiff(uint64_t diff, int origins, int receiver,
                                 const std::vector<uint64_t>& per_origin) {
  std::vector<uint64_t> out(origins, 0);
  for (uint64_t left = diff; left > 0;) {
    bool placed = false;
    for (int o = 0; o < origins && left > 0; ++o) {
      if (o != receiver && out[o] < per_origin[o]) {
        ++out[o];
        --left;
        placed = true;
      }
    }
    if (!placed) {
      break;
    }
  }
  return out;
}

// AllLinksUp asks each node's AdminService.Status whether every peer it
// dials is connected.
bool AllLinksUp(BenchNetwork& n) {
  for (int i = 0; i < n.size(); ++i) {
    auto stub = v1::AdminService::NewStub(
        grpc::CreateChannel(n.api_target(i), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::StatusResponse resp;
    if (!stub->Status(&ctx, v1::StatusRequest(), &resp).ok()) {
      return false;
    }
    for (const v1::PeerStatus& p : resp.peers()) {
      if (!p.connected()) {
        return false;
      }
    }
  }
  return true;
}

bool HoldsAll(const Node& node, const Node& reference) {
  return node.model().VersionVector() == reference.model().VersionVector();
}

}  // namespace

int RunIngest(const std::vector<std::string>& args) {
  const std::string mode = "ingest";
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, {"records", "batch"}, {"json"});
  if (!f.ok()) {
    return UsageError(mode, std::string(f.status().message()));
  }
  absl::StatusOr<int64_t> records = FlagInt(*f, "records", 1'000'000, 1, 100'000'000);
  absl::StatusOr<int64_t> batch = FlagInt(*f, "batch", 4096, 1, 65'536);
  if (!records.ok() || !batch.ok()) {
    return UsageError(mode, std::string((records.ok() ? batch : records).status().message()));
  }
  absl::StatusOr<std::unique_ptr<BenchNetwork>> net = BenchNetwork::Create(2);
  if (!net.ok()) {
    return Failure(mode, std::string(net.status().message()));
  }
  BenchNetwork& n = **net;
  Progress("signing %lld records of %s in batches of %lld and storing them at %s...",
           static_cast<long long>(*records), n.id(0).c_str(), static_cast<long long>(*batch),
           n.id(0).c_str());
  absl::StatusOr<std::vector<StoredBatch>> batches =
      n.SignBatches(0, 1, *records, *batch, RandomRecords(1, n.clock().Today()));
  if (!batches.ok()) {
    return Failure(mode, std::string(batches.status().message()));
  }
  if (absl::Status st = n.Preload(0, *batches); !st.ok()) {
    return Failure(mode, std::string(st.message()));
  }
  batches->clear();
  Progress("starting %s, then %s dialing it through a byte-counting relay...", n.id(0).c_str(),
           n.id(1).c_str());
  RoundLog rounds;
  if (absl::Status st = StartThroughRelay(n, 0, 1, rounds); !st.ok()) {
    return Failure(mode, std::string(st.message()));
  }
  std::optional<RoundLog::Round> round = rounds.Wait(0, std::chrono::seconds(600));
  if (!round) {
    return Failure(mode, "the receiving node did not finish its first sync round in 600 s");
  }
  if (n.node(1).model().LastSeq(n.id(0)) != static_cast<uint64_t>(*records)) {
    return Failure(mode, absl::StrCat("the receiver holds ", n.node(1).model().LastSeq(n.id(0)),
                                      " of ", *records, " records after its round"));
  }
  Progress("  %llu batches in %d calls, %.2f s", static_cast<unsigned long long>(round->stats.batches),
           round->stats.calls, round->seconds);
  Results results;
  results.Add("records", static_cast<double>(*records), "records");
  results.Add("records_per_s", static_cast<double>(*records) / round->seconds,
              "verified, stored, merged", "records/s (target >= 200,000)");
  results.Add("bytes_per_record",
              static_cast<double>(round->bytes) / static_cast<double>(*records),
              "bytes on the wire", "per record (target <= 64)");
  results.Add("seconds", round->seconds, "round", "s");
  results.Add("round_trips", round->stats.calls, "calls");
  results.Print(f->Has("json"));
  return 0;
}

int RunSync(const std::vector<std::string>& args) {
  const std::string mode = "sync";
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, {"records", "diff", "origins"}, {"json"});
  if (!f.ok()) {
    return UsageError(mode, std::string(f.status().message()));
  }
  absl::StatusOr<int64_t> records = FlagInt(*f, "records", 100'000, 0, 100'000'000);
  absl::StatusOr<int64_t> diff = FlagInt(*f, "diff", 0, 0, 100'000'000);
  absl::StatusOr<int64_t> origins = FlagInt(*f, "origins", 100, 2, 1000);
  for (const auto* v : {&records, &diff, &origins}) {
    if (!v->ok()) {
      return UsageError(mode, std::string(v->status().message()));
    }
  }
  if (*diff > *records) {
    return UsageError(mode, "--diff: cannot exceed --records");
  }
  Progress("enrolling %lld members...", static_cast<long long>(*origins));
  absl::StatusOr<std::unique_ptr<BenchNetwork>> net =
      BenchNetwork::Create(static_cast<int>(*origins));
  if (!net.ok()) {
    return Failure(mode, std::string(net.status().message()));
  }
  BenchNetwork& n = **net;
  constexpr int kServer = 0;
  constexpr int kReceiver = 1;
  int o_count = static_cast<int>(*origins);
  std::vector<uint64_t> per_origin(o_count, *records / o_count);
  for (int o = 0; o < *records % o_count; ++o) {
    ++per_origin[o];
  }
  std::vector<uint64_t> lacking = SpreadDiff(*diff, o_count, kReceiver, per_origin);
  uint64_t placed = 0;
  for (uint64_t l : lacking) {
    placed += l;
  }
  if (placed != static_cast<uint64_t>(*diff)) {
    return UsageError(mode, "--diff: larger than the records of origins other than the receiver");
  }
  Progress("signing %lld records of %d origins; %s holds them all, %s lacks %lld...",
           static_cast<long long>(*records), o_count, n.id(kServer).c_str(),
           n.id(kReceiver).c_str(), static_cast<long long>(*diff));
  for (int o = 0; o < o_count; ++o) {
    RecordMaker make = RandomRecords(o + 1, n.clock().Today());
    uint64_t shared = per_origin[o] - lacking[o];
    absl::StatusOr<std::vector<StoredBatch>> head = n.SignBatches(o, 1, shared, 4096, make);
    absl::StatusOr<std::vector<StoredBatch>> tail =
        n.SignBatches(o, shared + 1, lacking[o], 4096, make);
    if (!head.ok() || !tail.ok()) {
      return Failure(mode, std::string((head.ok() ? tail : head).status().message()));
    }
    for (absl::Status st : {n.Preload(kServer, *head), n.Preload(kServer, *tail),
                            n.Preload(kReceiver, *head)}) {
      if (!st.ok()) {
        return Failure(mode, std::string(st.message()));
      }
    }
  }
  Progress("starting both nodes; %s syncs with %s through a byte-counting relay...",
           n.id(kReceiver).c_str(), n.id(kServer).c_str());
  n.options(kReceiver).peer_links.resync_period = std::chrono::milliseconds(1000);
  RoundLog rounds;
  if (absl::Status st = StartThroughRelay(n, kServer, kReceiver, rounds); !st.ok()) {
    return Failure(mode, std::string(st.message()));
  }
  std::optional<RoundLog::Round> first = rounds.Wait(0, std::chrono::seconds(600));
  if (!first) {
    return Failure(mode, "the receiving node did not finish its sync round in 600 s");
  }
  if (!HoldsAll(n.node(kReceiver), n.node(kServer))) {
    return Failure(mode, "after its round the receiver does not hold what the server holds");
  }
  Progress("waiting for the periodic re-check on the same connection (idle round)...");
  std::optional<RoundLog::Round> idle = rounds.Wait(1, std::chrono::seconds(60));
  if (!idle) {
    return Failure(mode, "no periodic re-check round within 60 s");
  }
  Results results;
  results.Add("records", static_cast<double>(*records), "records shared");
  results.Add("origins", static_cast<double>(*origins), "origins");
  results.Add("diff", static_cast<double>(*diff), "records the receiver lacked");
  results.Add("bytes", static_cast<double>(first->bytes), "round", "bytes on the wire");
  results.Add("round_trips", first->stats.calls, "round", "round trips");
  results.Add("batches", static_cast<double>(first->stats.batches), "round", "batches stored");
  results.Add("idle_bytes", static_cast<double>(idle->bytes), "idle re-check",
              "bytes on the wire (target <= 2048 with 100 origins)");
  results.Add("idle_round_trips", idle->stats.calls, "idle re-check", "round trips");
  results.Print(f->Has("json"));
  return 0;
}

int RunConverge(const std::vector<std::string>& args) {
  const std::string mode = "converge";
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, {"nodes", "repeats"}, {"json"});
  if (!f.ok()) {
    return UsageError(mode, std::string(f.status().message()));
  }
  absl::StatusOr<int64_t> nodes = FlagInt(*f, "nodes", 16, 2, 64);
  absl::StatusOr<int64_t> repeats = FlagInt(*f, "repeats", 50, 1, 100'000);
  if (!nodes.ok() || !repeats.ok()) {
    return UsageError(mode, std::string((nodes.ok() ? repeats : nodes).status().message()));
  }
  int m = static_cast<int>(*nodes);
  Progress("enrolling %d members...", m);
  absl::StatusOr<std::unique_ptr<BenchNetwork>> net = BenchNetwork::Create(m);
  if (!net.ok()) {
    return Failure(mode, std::string(net.status().message()));
  }
  BenchNetwork& n = **net;
  // Each node dials its two ring neighbours and the node across the ring.
  for (int i = 0; i < m; ++i) {
    std::vector<int> dial = {(i + 1) % m, (i + m - 1) % m, (i + m / 2) % m};
    std::sort(dial.begin(), dial.end());
    dial.erase(std::unique(dial.begin(), dial.end()), dial.end());
    for (int j : dial) {
      if (j != i) {
        n.options(i).peers.push_back(n.options(j).peer_listen);
      }
    }
  }
  Progress("starting %d nodes, each dialing up to 3 others...", m);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < m; ++i) {
    if (absl::Status st = n.Start(i); !st.ok()) {
      return Failure(mode, std::string(st.message()));
    }
    absl::StatusOr<std::unique_ptr<Client>> c =
        Client::Create({.target = n.api_target(i), .deadline = std::chrono::seconds(5)});
    if (!c.ok()) {
      return Failure(mode, std::string(c.status().message()));
    }
    clients.push_back(*std::move(c));
  }
  for (SteadyClock::time_point until = SteadyClock::now() + std::chrono::seconds(60);
       !AllLinksUp(n);) {
    if (SteadyClock::now() > until) {
      return Failure(mode, "the nodes' links were not all connected after 60 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Progress("all links connected; reporting at each node in turn...");
  Latencies agree_ms;
  for (int64_t r = 0; r < *repeats; ++r) {
    int at = static_cast<int>(r % m);
    SteadyClock::time_point t0 = SteadyClock::now();
    Subjects seller;
    seller.seller = absl::StrCat("seller-", r);
    absl::StatusOr<ReportResult> rep = clients[at]->Report(
        seller, SignalKind::kVerificationPassed, 1.0, absl::StrCat("converge-", r));
    if (!rep.ok()) {
      return Failure(mode, absl::StrCat("report at ", n.id(at), ": ", rep.status().message()));
    }
    const std::string& origin = n.id(at);
    SteadyClock::time_point deadline = t0 + std::chrono::seconds(30);
    while (true) {
      bool all = true;
      for (int i = 0; i < m && all; ++i) {
        all = n.node(i).model().LastSeq(origin) >= rep->seq;
      }
      if (all) {
        break;
      }
      if (SteadyClock::now() > deadline) {
        return Failure(mode, absl::StrCat("report ", r, " at ", origin,
                                          " had not reached every node after 30 s"));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    agree_ms.Add(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
    if ((r + 1) % 10 == 0 || r + 1 == *repeats) {
      Progress("  %lld of %lld reports converged", static_cast<long long>(r + 1),
               static_cast<long long>(*repeats));
    }
  }
  Results results;
  results.Add("nodes", m, "nodes");
  results.Add("repeats", static_cast<double>(*repeats), "reports");
  results.Add("p50_ms", agree_ms.Percentile(0.5), "every node holds it, p50", "ms");
  results.Add("p99_ms", agree_ms.Percentile(0.99), "every node holds it, p99",
              "ms (target <= 1000 with 16 nodes)");
  results.Add("max_ms", agree_ms.Percentile(1.0), "every node holds it, max", "ms");
  results.Print(f->Has("json"));
  return 0;
}

}  // namespace authnet::bench
