// authnet-bench check, check-batch and report: the SDK against one node over
// loopback, beside a bare gRPC echo service started in the same process.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "authnet/client.h"
#include "bench/catalog.h"
#include "bench/echo.grpc.pb.h"
#include "bench/load.h"
#include "bench/modes.h"
#include "bench/pg_scratch.h"
#include "node/api/http_api.h"
#include "node/core/log_text.h"

namespace authnet::bench {
namespace {

constexpr uint64_t kCatalogUnits = 10'000;

class EchoServiceImpl final : public EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const EchoMessage* req,
                                 EchoMessage* resp) override {
    resp->set_payload(req->payload());
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// ApiNode is one node holding the catalog's evidence, and an SDK client.
struct ApiNode {
  std::unique_ptr<BenchNetwork> net;
  std::unique_ptr<Client> client;
  Catalog catalog{kCatalogUnits};
};

// StartApiNode starts a node holding the catalog's `records` records, their
// digests spread round-robin over `epochs` network key epochs (all live):
// the same evidence as with one epoch, so checks answer the same, but each
// subject is digested and looked up under every epoch.
// With `http`, the node serves the HTTP/JSON api on loopback too.
absl::StatusOr<ApiNode> StartApiNode(uint64_t records, int epochs = 1,
                                     const std::string& store_url = "", bool http = false) {
  ApiNode out;
  absl::StatusOr<std::unique_ptr<BenchNetwork>> net = BenchNetwork::Create(1);
  if (!net.ok()) {
    return net.status();
  }
  out.net = *std::move(net);
  out.net->options(0).store_url = store_url;
  if (http) {
    out.net->options(0).http_listen = "127.0.0.1:0";
  }
  if (absl::Status st = out.net->RotateKeys(epochs - 1); !st.ok()) {
    return st;
  }
  absl::StatusOr<const MemberBundle*> bundle = out.net->bundle(0);
  if (!bundle.ok()) {
    return bundle.status();
  }
  if (records > 0) {
    // Digesters whose newest epoch is 1, 2, ...: the records a node made
    // under each.
    std::vector<std::unique_ptr<Digester>> digesters;
    std::vector<RecordMaker> makers;
    for (uint32_t e = 1; e <= static_cast<uint32_t>(epochs); ++e) {
      std::map<uint32_t, NetworkKey> upto;
      for (uint32_t k = 1; k <= e; ++k) {
        upto.emplace(k, (*bundle)->network_keys().Key(k));
      }
      absl::StatusOr<NetworkKeys> keys = NetworkKeys::FromMap(std::move(upto));
      if (!keys.ok()) {
        return keys.status();
      }
      digesters.push_back(std::make_unique<Digester>(*std::move(keys)));
      makers.push_back(out.catalog.Records(*digesters.back(), out.net->clock().Today()));
    }
    absl::StatusOr<std::vector<StoredBatch>> batches = out.net->SignBatches(
        0, 1, records, 4096,
        [&](uint64_t seq, v1::Record* r) { makers[(seq - 1) % makers.size()](seq, r); });
    if (!batches.ok()) {
      return batches.status();
    }
    if (absl::Status st = out.net->Preload(0, *batches); !st.ok()) {
      return st;
    }
  }
  if (absl::Status st = out.net->Start(0); !st.ok()) {
    return st;
  }
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Create({.target = out.net->api_target(0), .deadline = std::chrono::seconds(5)});
  if (!client.ok()) {
    return client.status();
  }
  out.client = *std::move(client);
  return out;
}

// CatalogChecks are 1024 checks of catalog units, with their suppliers and
// sellers, that the single-check modes cycle through.
std::vector<Subjects> CatalogChecks(const Catalog& catalog) {
  std::vector<Subjects> checks;
  for (uint64_t i = 0; i < 1024; ++i) {
    checks.push_back(catalog.CheckFor(i * 7919));
  }
  return checks;
}

// CheckRequestOf is the request the SDK sends for `s` (its set fields).
v1::CheckRequest CheckRequestOf(const Subjects& s) {
  v1::CheckRequest req;
  req.mutable_subjects()->set_gtin(s.gtin);
  req.mutable_subjects()->set_serial(s.serial);
  req.mutable_subjects()->set_supplier(s.supplier);
  req.mutable_subjects()->set_seller(s.seller);
  return req;
}

void ReportLoad(const char* what, const LoadResult& r) {
  Progress("  %s: %s in %.1f s, %s", what, Counted(r.calls, "call").c_str(), r.seconds,
           Counted(r.errors, "error").c_str());
}

// RunCheckHttp measures Check over HTTP/JSON (one keep-alive connection per
// caller, TCP_NODELAY as HTTP clients set it) beside Check over gRPC through
// the SDK, alternating halves, on one node.
int RunCheckHttp(const ParsedFlags& f, int callers, int64_t duration) {
  const std::string mode = "check --http";
  Progress("starting a node holding %llu records, with the HTTP/JSON api...",
           static_cast<unsigned long long>(kCatalogUnits));
  absl::StatusOr<ApiNode> node = StartApiNode(kCatalogUnits, 1, "", /*http=*/true);
  if (!node.ok()) {
    return Failure(mode, std::string(node.status().message()));
  }
  std::vector<Subjects> checks = CatalogChecks(node->catalog);
  std::vector<std::string> bodies;
  for (const Subjects& check : checks) {
    bodies.push_back(PrintJsonBody(CheckRequestOf(check)));
  }
  std::vector<std::unique_ptr<httplib::Client>> http;
  for (int c = 0; c < callers; ++c) {
    http.push_back(std::make_unique<httplib::Client>("127.0.0.1", node->net->node(0).http_port()));
    http.back()->set_keep_alive(true);
    http.back()->set_tcp_nodelay(true);
  }
  std::vector<uint64_t> next(callers, 0);
  auto grpc_call = [&](int c) {
    absl::StatusOr<CheckResult> r = node->client->Check(checks[next[c]++ % checks.size()]);
    return r.ok() && !r->degraded;
  };
  auto http_call = [&](int c) {
    httplib::Result r =
        http[c]->Post("/v1/check", bodies[next[c]++ % bodies.size()], "application/json");
    return r && r->status == 200;
  };
  Progress("warming up...");
  RunLoad(callers, 0.5, grpc_call);
  RunLoad(callers, 0.5, http_call);
  LoadResult grpc_load;
  LoadResult http_load;
  double half = static_cast<double>(duration) / 2;
  for (int round = 0; round < 2; ++round) {
    Progress("round %d of 2: gRPC, then HTTP, %d callers, %.1f s each...", round + 1, callers,
             half);
    grpc_load.Merge(RunLoad(callers, half, grpc_call));
    http_load.Merge(RunLoad(callers, half, http_call));
  }
  ReportLoad("check over gRPC", grpc_load);
  ReportLoad("check over HTTP", http_load);
  if (grpc_load.errors > 0 || http_load.errors > 0) {
    return Failure(mode, "calls failed during the run; see the counts above");
  }
  Results results;
  results.Add("callers", callers, "callers");
  results.Add("grpc_qps", grpc_load.qps(), "gRPC check qps", "calls/s");
  results.Add("grpc_p50_us", grpc_load.latency.Percentile(0.5), "gRPC check p50", "us");
  results.Add("grpc_p99_us", grpc_load.latency.Percentile(0.99), "gRPC check p99", "us");
  results.Add("http_qps", http_load.qps(), "HTTP check qps", "calls/s");
  results.Add("http_p50_us", http_load.latency.Percentile(0.5), "HTTP check p50", "us");
  results.Add("http_p99_us", http_load.latency.Percentile(0.99), "HTTP check p99", "us");
  results.Add("p50_ratio", http_load.latency.Percentile(0.5) / grpc_load.latency.Percentile(0.5),
              "p50 HTTP/gRPC", "(target <= 1.5 with 1 caller)");
  results.Print(f.Has("json"));
  return 0;
}

// AsScanned writes a check as scanners and other platforms send it: the
// unit as a GS1 element string with an expiry, the supplier in fullwidth
// letters and the seller with a zero-width space, so ICU's normalization
// and the GS1 parser run, and the digests (so the answers) stay the same.
Subjects AsScanned(const Subjects& s) {
  Subjects out;
  out.gs1 = absl::StrCat("(01)", std::string(14 - s.gtin.size(), '0'), s.gtin, "(17)291231(21)",
                         s.serial);
  for (char c : s.supplier) {
    if (c >= 'a' && c <= 'z') {
      // U+FF41.. FULLWIDTH LATIN SMALL LETTER, three bytes of UTF-8.
      int code = 0xff41 + (c - 'a');
      out.supplier.push_back(static_cast<char>(0xe0 | (code >> 12)));
      out.supplier.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
      out.supplier.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else {
      out.supplier.push_back(c);
    }
  }
  out.seller = absl::StrCat(s.seller.substr(0, 1), "\u200b", s.seller.substr(1));
  return out;
}

}  // namespace

int RunCheck(const std::vector<std::string>& args) {
  const std::string mode = "check";
  absl::StatusOr<ParsedFlags> f =
      ParseFlags(args, {"concurrency", "duration", "epochs", "store"}, {"json", "http"});
  if (!f.ok()) {
    return UsageError(mode, std::string(f.status().message()));
  }
  absl::StatusOr<int64_t> callers = FlagInt(*f, "concurrency", 1, 1, 1024);
  absl::StatusOr<int64_t> duration = FlagInt(*f, "duration", 10, 1, 3600);
  absl::StatusOr<int64_t> epochs = FlagInt(*f, "epochs", 1, 1, 8);
  for (const auto* v : {&callers, &duration, &epochs}) {
    if (!v->ok()) {
      return UsageError(mode, std::string(v->status().message()));
    }
  }
  if (f->Has("http")) {
    if (f->Get("store") || *epochs != 1) {
      return UsageError(mode,
                        "--http compares HTTP with gRPC on SQLite and one epoch; drop "
                        "--store and --epochs");
    }
    return RunCheckHttp(*f, static_cast<int>(*callers), *duration);
  }
  // Checks never touch the store; --store shows it on PostgreSQL too.
  std::unique_ptr<PgScratch> scratch;
  if (std::optional<std::string> server = f->Get("store")) {
    absl::StatusOr<std::unique_ptr<PgScratch>> made = PgScratch::Create(*server);
    if (!made.ok()) {
      return Failure(mode, std::string(made.status().message()));
    }
    scratch = *std::move(made);
  }
  Progress(
      "starting a node holding %llu records under %lld live key epochs (%s), and an echo "
      "service...",
      static_cast<unsigned long long>(kCatalogUnits), static_cast<long long>(*epochs),
      scratch ? "PostgreSQL" : "SQLite");
  absl::StatusOr<ApiNode> node =
      StartApiNode(kCatalogUnits, static_cast<int>(*epochs), scratch ? scratch->url() : "");
  if (!node.ok()) {
    return Failure(mode, std::string(node.status().message()));
  }
  EchoServiceImpl echo_service;
  int echo_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &echo_port);
  builder.RegisterService(&echo_service);
  std::unique_ptr<grpc::Server> echo_server = builder.BuildAndStart();
  if (echo_server == nullptr) {
    return Failure(mode, "could not start the echo service on 127.0.0.1");
  }
  grpc::ChannelArguments channel_args;
  channel_args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);  // as the SDK's channel
  auto echo_stub = EchoService::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", echo_port), grpc::InsecureChannelCredentials(), channel_args));

  // The echo carries a payload the size of a serialized CheckRequest.
  std::vector<Subjects> checks = CatalogChecks(node->catalog);
  std::vector<std::string> payloads;
  for (const Subjects& check : checks) {
    payloads.push_back(CheckRequestOf(check).SerializeAsString());
  }
  std::vector<uint64_t> next(*callers, 0);
  auto check_call = [&](int c) {
    absl::StatusOr<CheckResult> r = node->client->Check(checks[next[c]++ % checks.size()]);
    return r.ok() && !r->degraded;
  };
  auto echo_call = [&](int c) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EchoMessage req;
    req.set_payload(payloads[next[c]++ % payloads.size()]);
    EchoMessage resp;
    return echo_stub->Echo(&ctx, req, &resp).ok();
  };
  Progress("warming up...");
  RunLoad(static_cast<int>(*callers), 0.5, echo_call);
  RunLoad(static_cast<int>(*callers), 0.5, check_call);
  // Alternate halves so drift on a noisy machine hits both alike.
  LoadResult node_load;
  LoadResult echo_load;
  double half = static_cast<double>(*duration) / 2;
  for (int round = 0; round < 2; ++round) {
    Progress("round %d of 2: echo, then check, %lld callers, %.1f s each...", round + 1,
             static_cast<long long>(*callers), half);
    echo_load.Merge(RunLoad(static_cast<int>(*callers), half, echo_call));
    node_load.Merge(RunLoad(static_cast<int>(*callers), half, check_call));
  }
  ReportLoad("echo", echo_load);
  ReportLoad("check", node_load);
  if (node_load.errors > 0 || echo_load.errors > 0) {
    return Failure(mode, "calls failed during the run; see the counts above");
  }
  Results results;
  results.Add("callers", static_cast<double>(*callers), "callers");
  results.Add("qps", node_load.qps(), "check qps", "calls/s");
  results.Add("p50_us", node_load.latency.Percentile(0.5), "check p50", "us");
  results.Add("p99_us", node_load.latency.Percentile(0.99), "check p99", "us");
  results.Add("echo_qps", echo_load.qps(), "echo qps", "calls/s");
  results.Add("echo_p50_us", echo_load.latency.Percentile(0.5), "echo p50", "us");
  results.Add("echo_p99_us", echo_load.latency.Percentile(0.99), "echo p99", "us");
  results.Add("p50_ratio", node_load.latency.Percentile(0.5) / echo_load.latency.Percentile(0.5),
              "p50 check/echo", "(target <= 1.3 with 1 caller)");
  results.Add("p99_ratio", node_load.latency.Percentile(0.99) / echo_load.latency.Percentile(0.99),
              "p99 check/echo", "(target <= 1.5 with 1 caller)");
  results.Add("qps_ratio", node_load.qps() / echo_load.qps(), "qps check/echo",
              "(target >= 0.9 with 32 callers)");
  results.Print(f->Has("json"));
  echo_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}

int RunCheckBatch(const std::vector<std::string>& args) {
  const std::string mode = "check-batch";
  absl::StatusOr<ParsedFlags> f =
      ParseFlags(args, {"duration", "batch", "concurrency", "epochs", "input"}, {"json"});
  if (!f.ok()) {
    return UsageError(mode, std::string(f.status().message()));
  }
  const std::string input = f->Get("input").value_or("fields");
  if (input != "fields" && input != "scan") {
    return UsageError(mode, "--input: 'fields' or 'scan', got '" + input + "'");
  }
  absl::StatusOr<int64_t> duration = FlagInt(*f, "duration", 10, 1, 3600);
  absl::StatusOr<int64_t> batch = FlagInt(*f, "batch", 1000, 1, 10'000);
  absl::StatusOr<int64_t> callers = FlagInt(*f, "concurrency", 2, 1, 64);
  absl::StatusOr<int64_t> epochs = FlagInt(*f, "epochs", 1, 1, 8);
  for (const auto* v : {&duration, &batch, &callers, &epochs}) {
    if (!v->ok()) {
      return UsageError(mode, std::string(v->status().message()));
    }
  }
  Progress("starting a node holding %llu records under %lld live key epochs...",
           static_cast<unsigned long long>(kCatalogUnits), static_cast<long long>(*epochs));
  absl::StatusOr<ApiNode> node = StartApiNode(kCatalogUnits, static_cast<int>(*epochs));
  if (!node.ok()) {
    return Failure(mode, std::string(node.status().message()));
  }
  // Each check names a unit (gtin + serial), its supplier and its seller:
  // four subjects digested and looked up.
  constexpr int kSubjectsPerCheck = 4;
  std::vector<std::vector<Subjects>> batches(8);
  for (size_t b = 0; b < batches.size(); ++b) {
    for (int64_t i = 0; i < *batch; ++i) {
      batches[b].push_back(node->catalog.CheckFor(b * 100'003 + i * 31));
      if (input == "scan") {
        batches[b].back() = AsScanned(batches[b].back());
      }
    }
  }
  std::vector<uint64_t> next(*callers, 0);
  auto call = [&](int c) {
    absl::StatusOr<std::vector<CheckResult>> r =
        node->client->CheckBatch(batches[next[c]++ % batches.size()]);
    return r.ok() && !r->empty() && !r->front().degraded;
  };
  Progress("warming up...");
  RunLoad(static_cast<int>(*callers), 0.5, call);
  Progress("CheckBatch of %lld checks (%d subjects each), %lld callers, %lld s...",
           static_cast<long long>(*batch), kSubjectsPerCheck, static_cast<long long>(*callers),
           static_cast<long long>(*duration));
  LoadResult load = RunLoad(static_cast<int>(*callers), static_cast<double>(*duration), call);
  ReportLoad("check-batch", load);
  if (load.errors > 0) {
    return Failure(mode, "calls failed during the run; see the counts above");
  }
  double subjects = load.qps() * static_cast<double>(*batch) * kSubjectsPerCheck;
  Results results;
  results.Note("input: " + input +
               (input == "scan" ? " (unit as a GS1 element string, names through ICU)" : ""));
  results.Add("batch", static_cast<double>(*batch), "checks per call");
  results.Add("subjects_per_check", kSubjectsPerCheck, "subjects per check");
  results.Add("calls_per_s", load.qps(), "calls", "calls/s");
  results.Add("checks_per_s", load.qps() * static_cast<double>(*batch), "checks", "checks/s");
  results.Add("subjects_per_s", subjects, "subjects", "subjects/s (target >= 1,000,000)");
  results.Add("call_p50_us", load.latency.Percentile(0.5), "call p50", "us");
  results.Add("call_p99_us", load.latency.Percentile(0.99), "call p99", "us");
  results.Print(f->Has("json"));
  return 0;
}

int RunReport(const std::vector<std::string>& args) {
  const std::string mode = "report";
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, {"concurrency", "duration", "store"}, {"json"});
  if (!f.ok()) {
    return UsageError(mode, std::string(f.status().message()));
  }
  absl::StatusOr<int64_t> callers = FlagInt(*f, "concurrency", 32, 1, 1024);
  absl::StatusOr<int64_t> duration = FlagInt(*f, "duration", 10, 1, 3600);
  if (!callers.ok() || !duration.ok()) {
    return UsageError(mode, std::string((callers.ok() ? duration : callers).status().message()));
  }
  std::unique_ptr<PgScratch> scratch;
  if (std::optional<std::string> server = f->Get("store")) {
    Progress("creating a scratch database...");
    absl::StatusOr<std::unique_ptr<PgScratch>> made = PgScratch::Create(*server);
    if (!made.ok()) {
      return Failure(mode, std::string(made.status().message()));
    }
    scratch = *std::move(made);
  }
  Progress("starting a node on %s...", scratch ? "PostgreSQL" : "SQLite");
  absl::StatusOr<ApiNode> node = StartApiNode(0, 1, scratch ? scratch->url() : "");
  if (!node.ok()) {
    return Failure(mode, std::string(node.status().message()));
  }
  std::atomic<uint64_t> counter{0};
  auto call = [&](int) {
    uint64_t i = counter++;
    absl::StatusOr<ReportResult> r = node->client->Report(
        node->catalog.CheckFor(i), SignalKind::kUnitSold, 1.0, absl::StrCat("bench-", i));
    return r.ok() && r->accepted > 0;
  };
  Progress("warming up...");
  RunLoad(static_cast<int>(*callers), 0.5, call);
  Progress(
      "Report (unit, supplier and seller: 3 records each, idempotency key, durable), "
      "%lld callers, %lld s...",
      static_cast<long long>(*callers), static_cast<long long>(*duration));
  LoadResult load = RunLoad(static_cast<int>(*callers), static_cast<double>(*duration), call);
  ReportLoad("report", load);
  if (load.errors > 0) {
    return Failure(mode, "reports failed during the run; see the counts above");
  }
  Results results;
  results.Add("callers", static_cast<double>(*callers), "callers");
  results.Note(scratch ? "store: PostgreSQL (a scratch database)" : "store: SQLite");
  results.Add("reports_per_s", load.qps(), "durable reports", "reports/s (target >= 20,000)");
  results.Add("p50_us", load.latency.Percentile(0.5), "report p50", "us");
  results.Add("p99_us", load.latency.Percentile(0.99), "report p99", "us");
  results.Print(f->Has("json"));
  return 0;
}

}  // namespace authnet::bench
