// authnet-bench scale: a real authnetd process started on a data directory
// of N records (and, in the same run, of 10,000 for the baseline): its
// memory, how long until it answers checks, and check latency.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "authnet/client.h"
#include "authnet/v1/checkout.grpc.pb.h"
#include "bench/catalog.h"
#include "bench/child_node.h"
#include "bench/load.h"
#include "bench/modes.h"
#include "bench/pg_scratch.h"
#include "node/core/log_text.h"

namespace authnet::bench {
namespace {

constexpr uint64_t kBaselineRecords = 10'000;
constexpr uint64_t kRecordsPerChunk = 1 << 20;

struct ScaleFigures {
  double startup_s = 0;
  double rss_mb = 0;
  double peak_rss_mb = 0;
  double check_p50_us = 0;
  double check_p99_us = 0;
};

// Measure loads `records` catalog records into a fresh node's data dir,
// starts authnetd on it and measures it.
// With a non-empty `server_url`, the store is a scratch PostgreSQL database
// on that server.
absl::StatusOr<ScaleFigures> Measure(uint64_t records, double check_seconds,
                                     const std::string& server_url) {
  std::unique_ptr<PgScratch> scratch;
  if (!server_url.empty()) {
    absl::StatusOr<std::unique_ptr<PgScratch>> made = PgScratch::Create(server_url);
    if (!made.ok()) {
      return made.status();
    }
    scratch = *std::move(made);
  }
  absl::StatusOr<std::unique_ptr<BenchNetwork>> net = BenchNetwork::Create(1);
  if (!net.ok()) {
    return net.status();
  }
  BenchNetwork& n = **net;
  if (scratch) {
    n.options(0).store_url = scratch->url();
  }
  absl::StatusOr<const MemberBundle*> bundle = n.bundle(0);
  if (!bundle.ok()) {
    return bundle.status();
  }
  Digester digester((*bundle)->network_keys());
  Catalog catalog(records);
  RecordMaker make = catalog.Records(digester, n.clock().Today());
  for (uint64_t first = 1; first <= records; first += kRecordsPerChunk) {
    uint64_t count = std::min(kRecordsPerChunk, records - first + 1);
    absl::StatusOr<std::vector<StoredBatch>> batches = n.SignBatches(0, first, count, 4096, make);
    if (!batches.ok()) {
      return batches.status();
    }
    if (absl::Status st = n.Preload(0, *batches); !st.ok()) {
      return st;
    }
    Progress("  stored %llu of %llu records", static_cast<unsigned long long>(first + count - 1),
             static_cast<unsigned long long>(records));
  }
  std::string socket = (n.dir() / "api.sock").string();
  const NodeOptions& o = n.options(0);
  std::vector<std::string> args = {"--bundle",          o.bundle_dir.string(), "--data",
                                   o.data_dir.string(), "--peer-listen",       o.peer_listen,
                                   "--api-listen",      "unix:" + socket};
  if (scratch) {
    args.insert(args.end(), {"--store", scratch->url()});
  }
  auto started = std::chrono::steady_clock::now();
  absl::StatusOr<ChildNode> child = ChildNode::Start(args, (n.dir() / "authnetd.log").string());
  if (!child.ok()) {
    return child.status();
  }
  auto stop = [&child] { child->Stop(); };
  // Serving means answering from the loaded model: unit 0 is a confirmed
  // counterfeit this node reported itself. Each probe dials afresh, so a
  // refused early attempt does not put the next one behind gRPC's
  // reconnect backoff.
  v1::CheckRequest probe;
  Subjects unit0 = catalog.CheckFor(0);
  probe.mutable_subjects()->set_gtin(unit0.gtin);
  probe.mutable_subjects()->set_serial(unit0.serial);
  ScaleFigures out;
  while (true) {
    grpc::ChannelArguments channel_args;
    channel_args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub = v1::CheckoutService::NewStub(grpc::CreateCustomChannel(
        "unix:" + socket, grpc::InsecureChannelCredentials(), channel_args));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    v1::CheckResponse resp;
    if (stub->Check(&ctx, probe, &resp).ok()) {
      out.startup_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (resp.decision() == v1::DECISION_ALLOW) {
        stop();
        return absl::InternalError("authnetd answered before its model held the records");
      }
      break;
    }
    if (child->Exited()) {
      return absl::UnavailableError(
          absl::StrCat("authnetd exited during start-up; its log: ", child->log()));
    }
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(600)) {
      stop();
      return absl::DeadlineExceededError("authnetd did not answer within 600 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Create({.target = "unix:" + socket, .deadline = std::chrono::seconds(2)});
  if (!client.ok()) {
    stop();
    return client.status();
  }
  Progress("  serving after %.2f s; checking with one caller for %.0f s...", out.startup_s,
           check_seconds);
  uint64_t next = 0;
  LoadResult load = RunLoad(1, check_seconds, [&](int) {
    absl::StatusOr<CheckResult> r = (*client)->Check(catalog.CheckFor(next++ * 7919));
    return r.ok() && !r->degraded;
  });
  out.rss_mb = child->StatusMb("VmRSS");
  out.peak_rss_mb = child->StatusMb("VmHWM");
  out.check_p50_us = load.latency.Percentile(0.5);
  out.check_p99_us = load.latency.Percentile(0.99);
  stop();
  if (load.errors > 0) {
    return absl::UnavailableError(absl::StrCat(Counted(load.errors, "check"), " failed"));
  }
  return out;
}

}  // namespace

int RunScale(const std::vector<std::string>& args) {
  const std::string mode = "scale";
  absl::StatusOr<ParsedFlags> f =
      ParseFlags(args, {"records", "units", "duration", "store"}, {"json"});
  if (!f.ok()) {
    return UsageError(mode, std::string(f.status().message()));
  }
  if (f->Get("units")) {
    return RunUnitScale(*f);
  }
  absl::StatusOr<int64_t> records = FlagInt(*f, "records", 10'000'000, 1, 1'000'000'000);
  absl::StatusOr<int64_t> duration = FlagInt(*f, "duration", 5, 1, 3600);
  if (!records.ok() || !duration.ok()) {
    return UsageError(mode, std::string((records.ok() ? duration : records).status().message()));
  }
  if (access(AuthnetdPath().c_str(), X_OK) != 0) {
    return Failure(mode, absl::StrCat("cannot find ", AuthnetdPath(),
                                      "; build it beside authnet-bench (cmake --build build)"));
  }
  Progress("baseline: a node of %llu records...",
           static_cast<unsigned long long>(kBaselineRecords));
  const std::string store = f->Get("store").value_or("");
  if (!store.empty()) {
    Progress("stores: scratch PostgreSQL databases");
  }
  absl::StatusOr<ScaleFigures> base =
      Measure(kBaselineRecords, static_cast<double>(*duration), store);
  if (!base.ok()) {
    return Failure(mode, std::string(base.status().message()));
  }
  Progress("a node of %lld records...", static_cast<long long>(*records));
  absl::StatusOr<ScaleFigures> big =
      Measure(static_cast<uint64_t>(*records), static_cast<double>(*duration), store);
  if (!big.ok()) {
    return Failure(mode, std::string(big.status().message()));
  }
  Results results;
  results.Add("records", static_cast<double>(*records), "records");
  results.Note(store.empty() ? "store: SQLite" : "store: PostgreSQL (scratch databases)");
  results.Add("rss_mb", big->rss_mb, "RSS serving", "MB (target <= 1536 at 10M)");
  results.Add("peak_rss_mb", big->peak_rss_mb, "RSS peak", "MB");
  results.Add("startup_s", big->startup_s, "start to serving", "s (target <= 10 at 10M)");
  results.Add("check_p50_us", big->check_p50_us, "check p50", "us");
  results.Add("check_p99_us", big->check_p99_us, "check p99", "us");
  results.Add("baseline_records", static_cast<double>(kBaselineRecords), "baseline records");
  results.Add("baseline_rss_mb", base->rss_mb, "baseline RSS", "MB");
  results.Add("baseline_startup_s", base->startup_s, "baseline start to serving", "s");
  results.Add("baseline_check_p99_us", base->check_p99_us, "baseline check p99", "us");
  results.Add("check_p99_ratio", big->check_p99_us / base->check_p99_us, "check p99 ratio",
              "(target <= 1.2)");
  results.Print(f->Has("json"));
  return 0;
}

}  // namespace authnet::bench
