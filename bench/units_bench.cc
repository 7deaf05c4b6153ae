// authnet-bench scale --units N: a brand commissions N units; a platform's
// node receives them from the brand's node over mutual TLS. Both are real
// authnetd processes. Measured on the platform's node: its memory per unit
// beyond a 10,000-record baseline, the rate it ingests units at, and check
// latency against the same checks before the units arrived.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "authnet/client.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "bench/bench_network.h"
#include "bench/bench_output.h"
#include "bench/catalog.h"
#include "bench/child_node.h"
#include "bench/load.h"
#include "bench/modes.h"
#include "node/batch/lifecycle_rules.h"
#include "node/core/log_text.h"

namespace authnet::bench {
namespace {

constexpr uint64_t kBaselineRecords = 10'000;
constexpr char kGtin[] = "04006381333931";
constexpr char kPrefix[] = "4006381";
// 64 records of 8192 unit keys (64 KiB each) stay under kMaxBatchBytes.
constexpr uint64_t kRecordsPerBatch = 64;
constexpr uint64_t kRecordsPerChunk = 640;

std::string Serial(uint64_t i) { return absl::StrCat("U", i); }

// CommissionRecords: record 1 declares kGtin serialized; record s >= 2
// commissions units (s-2)*kMaxUnitKeys.. of it, as the brand's node would.
RecordMaker CommissionRecords(const Digester& d, uint64_t units, uint32_t today) {
  DigestBytes prefix = d.MakeUnder(1, v1::SUBJECT_TYPE_COMPANY_PREFIX, kPrefix);
  return [&d, units, today, prefix](uint64_t seq, v1::Record* r) {
    r->set_key_epoch(1);
    r->set_weight_milli(1000);
    r->set_day(today);
    r->set_ttl_days(3650);
    r->set_prefix_digest(prefix.data(), prefix.size());
    if (seq == 1) {
      DigestBytes g = d.MakeUnder(1, v1::SUBJECT_TYPE_GTIN, kGtin);
      r->set_digest(g.data(), g.size());
      r->set_subject_type(v1::SUBJECT_TYPE_GTIN);
      r->set_kind(v1::SIGNAL_KIND_GTIN_SERIALIZED);
      return;
    }
    r->set_subject_type(v1::SUBJECT_TYPE_UNIT);
    r->set_kind(v1::SIGNAL_KIND_UNIT_COMMISSIONED);
    const uint64_t first = (seq - 2) * kMaxUnitKeys;
    const uint64_t end = std::min(units, first + kMaxUnitKeys);
    std::vector<std::string> keys;
    keys.reserve(end - first);
    for (uint64_t i = first; i < end; ++i) {
      DigestBytes u = d.MakeUnder(1, v1::SUBJECT_TYPE_UNIT, absl::StrCat(kGtin, ":", Serial(i)));
      keys.emplace_back(u.data(), kUnitKeyBytes);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::string packed;
    for (const std::string& k : keys) {
      packed.append(k);
    }
    r->set_unit_keys(std::move(packed));
  };
}

absl::StatusOr<v1::StatusResponse> StatusOf(const std::string& socket) {
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::StatusResponse resp;
  grpc::Status st = stub->Status(&ctx, v1::StatusRequest(), &resp);
  if (!st.ok()) {
    return absl::UnavailableError(st.error_message());
  }
  return resp;
}

absl::Status WaitServing(ChildNode& node, const std::string& socket, double* seconds) {
  auto started = std::chrono::steady_clock::now();
  while (!StatusOf(socket).ok()) {
    if (node.Exited()) {
      return absl::UnavailableError(absl::StrCat("authnetd exited; its log: ", node.log()));
    }
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(900)) {
      return absl::DeadlineExceededError("authnetd did not answer within 900 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return absl::OkStatus();
}

struct CheckFigures {
  double p50_us = 0;
  double p99_us = 0;
};

// MeasureChecks checks units of kGtin on `socket` for `seconds` from one
// caller: half commissioned serials, half unknown ones.
absl::StatusOr<CheckFigures> MeasureChecks(const std::string& socket, uint64_t units,
                                           double seconds) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Create({.target = "unix:" + socket, .deadline = std::chrono::seconds(2)});
  if (!client.ok()) {
    return client.status();
  }
  std::mt19937_64 rng(7);
  uint64_t n = 0;
  LoadResult load = RunLoad(1, seconds, [&](int) {
    Subjects s;
    s.gtin = kGtin;
    s.serial = (n++ % 2 == 0) ? Serial(rng() % units) : absl::StrCat("X", rng() % 1000000000);
    absl::StatusOr<CheckResult> r = (*client)->Check(s);
    return r.ok() && !r->degraded;
  });
  if (load.errors > 0) {
    return absl::UnavailableError(absl::StrCat(Counted(load.errors, "check"), " failed"));
  }
  return CheckFigures{load.latency.Percentile(0.5), load.latency.Percentile(0.99)};
}

// ExpectCode checks that `serial` of kGtin answers with reason `code`.
absl::Status ExpectCode(const std::string& socket, const std::string& serial,
                        const std::string& code) {
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create({.target = "unix:" + socket});
  if (!client.ok()) {
    return client.status();
  }
  absl::StatusOr<CheckResult> r = (*client)->Check({.gtin = kGtin, .serial = serial});
  if (!r.ok()) {
    return r.status();
  }
  for (const Reason& reason : r->reasons) {
    if (reason.code == code) {
      return absl::OkStatus();
    }
  }
  return absl::InternalError(absl::StrCat("a check of serial ", serial, " did not answer ", code));
}

// Preload writes the brand's records into its data dir, and the
// platform's baseline records into its own.
absl::Status Preload(BenchNetwork& n, const Digester& digester, uint64_t units) {
  const uint64_t records = 1 + (units + kMaxUnitKeys - 1) / kMaxUnitKeys;
  RecordMaker make = CommissionRecords(digester, units, n.clock().Today());
  for (uint64_t first = 1; first <= records; first += kRecordsPerChunk) {
    uint64_t count = std::min(kRecordsPerChunk, records - first + 1);
    absl::StatusOr<std::vector<StoredBatch>> batches =
        n.SignBatches(0, first, count, kRecordsPerBatch, make);
    if (!batches.ok()) {
      return batches.status();
    }
    if (absl::Status st = n.Preload(0, *batches); !st.ok()) {
      return st;
    }
    Progress("  brand: %llu of %llu units commissioned",
             static_cast<unsigned long long>(std::min(units, (first + count - 1) * kMaxUnitKeys)),
             static_cast<unsigned long long>(units));
  }
  Catalog catalog(kBaselineRecords);
  absl::StatusOr<std::vector<StoredBatch>> baseline =
      n.SignBatches(1, 1, kBaselineRecords, 4096, catalog.Records(digester, n.clock().Today()));
  return baseline.ok() ? n.Preload(1, *baseline) : baseline.status();
}

std::vector<std::string> NodeArgs(BenchNetwork& n, int i, const std::string& socket) {
  const NodeOptions& o = n.options(i);
  return {"--bundle",      o.bundle_dir.string(), "--data",       o.data_dir.string(),
          "--peer-listen", o.peer_listen,         "--api-listen", "unix:" + socket};
}

// Ingest waits until the platform holds all `records` of the brand and
// returns the units per second from its first stored batch to its last.
absl::StatusOr<double> Ingest(const std::string& socket, const std::string& brand, uint64_t records,
                              uint64_t units) {
  std::optional<std::chrono::steady_clock::time_point> t0;
  uint64_t seq0 = 0;
  auto started = std::chrono::steady_clock::now();
  while (true) {
    absl::StatusOr<v1::StatusResponse> s = StatusOf(socket);
    uint64_t seq = 0;
    if (s.ok() && s->version_vector().contains(brand)) {
      seq = s->version_vector().at(brand);
    }
    auto now = std::chrono::steady_clock::now();
    if (seq > 0 && !t0) {
      t0 = now;
      seq0 = seq;
    }
    if (seq >= records) {
      double secs = std::chrono::duration<double>(now - *t0).count();
      uint64_t before = seq0 <= 1 ? 0 : std::min(units, (seq0 - 1) * kMaxUnitKeys);
      return secs > 0 ? static_cast<double>(units - before) / secs : 0;
    }
    if (now - started > std::chrono::seconds(1800)) {
      return absl::DeadlineExceededError("the platform did not receive the units in 30 min");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

int RunUnitScale(const ParsedFlags& f) {
  const std::string mode = "scale";
  absl::StatusOr<int64_t> units = FlagInt(f, "units", 20'000'000, 1, 1'000'000'000);
  absl::StatusOr<int64_t> duration = FlagInt(f, "duration", 5, 1, 3600);
  if (!units.ok() || !duration.ok()) {
    return UsageError(mode, std::string((units.ok() ? duration : units).status().message()));
  }
  if (access(AuthnetdPath().c_str(), X_OK) != 0) {
    return Failure(mode,
                   absl::StrCat("cannot find ", AuthnetdPath(), "; build it beside authnet-bench"));
  }
  MemberProfile brand{1.0, v1::MEMBER_ROLE_BRAND, {kPrefix}};
  absl::StatusOr<std::unique_ptr<BenchNetwork>> net = BenchNetwork::Create(2, {brand});
  absl::StatusOr<const MemberBundle*> bundle =
      net.ok() ? (*net)->bundle(0) : absl::StatusOr<const MemberBundle*>(net.status());
  if (!bundle.ok()) {
    return Failure(mode, std::string(bundle.status().message()));
  }
  BenchNetwork& n = **net;
  const auto count = static_cast<uint64_t>(*units);
  const uint64_t records = 1 + (count + kMaxUnitKeys - 1) / kMaxUnitKeys;
  Digester digester((*bundle)->network_keys());
  Progress("writing %llu commissioned units into the brand's data dir...",
           static_cast<unsigned long long>(count));
  if (absl::Status st = Preload(n, digester, count); !st.ok()) {
    return Failure(mode, std::string(st.message()));
  }
  const std::string platform_socket = (n.dir() / "platform.sock").string();
  const std::string brand_socket = (n.dir() / "brand.sock").string();
  std::ofstream((n.dir() / "sync.toml").string())
      << "[sync]\nmin_backoff_ms = 20\nmax_backoff_ms = 200\n";
  std::vector<std::string> platform_args = NodeArgs(n, 1, platform_socket);
  platform_args.insert(platform_args.end(), {"--peers", n.options(0).peer_listen, "--config",
                                             (n.dir() / "sync.toml").string()});
  absl::StatusOr<ChildNode> platform =
      ChildNode::Start(platform_args, (n.dir() / "platform.log").string());
  double platform_start = 0;
  if (!platform.ok() || !WaitServing(*platform, platform_socket, &platform_start).ok()) {
    return Failure(mode, "the platform's node did not start (see platform.log)");
  }
  Progress("baseline: the platform's node with %llu records; checking for %lld s...",
           static_cast<unsigned long long>(kBaselineRecords), static_cast<long long>(*duration));
  absl::StatusOr<CheckFigures> base =
      MeasureChecks(platform_socket, count, static_cast<double>(*duration));
  if (!base.ok()) {
    return Failure(mode, std::string(base.status().message()));
  }
  const double rss_before = platform->StatusMb("VmRSS");
  Progress("starting the brand's node (%llu records)...", static_cast<unsigned long long>(records));
  absl::StatusOr<ChildNode> brand_node =
      ChildNode::Start(NodeArgs(n, 0, brand_socket), (n.dir() / "brand.log").string());
  double brand_start = 0;
  if (!brand_node.ok() || !WaitServing(*brand_node, brand_socket, &brand_start).ok()) {
    return Failure(mode, "the brand's node did not start (see brand.log)");
  }
  Progress("  brand serving after %.1f s; the platform pulls its units over mutual TLS...",
           brand_start);
  absl::StatusOr<double> rate = Ingest(platform_socket, n.id(0), records, count);
  if (!rate.ok()) {
    return Failure(mode, std::string(rate.status().message()));
  }
  for (auto [serial, code] : {std::pair{Serial(count - 1), "commissioned"},
                              std::pair{std::string("NEVER"), "not_commissioned"}}) {
    if (absl::Status st = ExpectCode(platform_socket, serial, code); !st.ok()) {
      return Failure(mode, std::string(st.message()));
    }
  }
  const double rss_after = platform->StatusMb("VmRSS");
  Progress("  ingested at %.0f units/s; checking for %lld s...", *rate,
           static_cast<long long>(*duration));
  absl::StatusOr<CheckFigures> big =
      MeasureChecks(platform_socket, count, static_cast<double>(*duration));
  if (!big.ok()) {
    return Failure(mode, std::string(big.status().message()));
  }
  const double per_unit = (rss_after - rss_before) * 1024 * 1024 / static_cast<double>(count);
  Results results;
  results.Add("units", static_cast<double>(count), "units commissioned");
  results.Add("records", static_cast<double>(records), "records (8192 units each)");
  results.Add("ingest_units_per_s", *rate, "platform ingest", "units/s over mTLS (target >= 1M)");
  results.Add("rss_per_unit_bytes", per_unit, "platform RSS per unit", "bytes (target <= 24)");
  results.Add("baseline_rss_mb", rss_before, "platform RSS, baseline", "MB");
  results.Add("rss_mb", rss_after, "platform RSS with the units", "MB");
  results.Add("rss_100m_projection_mb", rss_before + per_unit * 1e8 / (1024 * 1024),
              "projected RSS at 100M units", "MB");
  results.Add("baseline_check_p50_us", base->p50_us, "check p50, baseline", "us");
  results.Add("baseline_check_p99_us", base->p99_us, "check p99, baseline", "us");
  results.Add("check_p50_us", big->p50_us, "check p50 with the units", "us");
  results.Add("check_p99_us", big->p99_us, "check p99 with the units", "us");
  results.Add("check_p99_ratio", big->p99_us / base->p99_us, "check p99 ratio", "(target <= 1.2)");
  results.Add("brand_start_s", brand_start, "brand node start to serving", "s");
  results.Note("checks: units of one serialized GTIN, half commissioned, half unknown");
  results.Print(f.Has("json"));
  return 0;
}

}  // namespace authnet::bench
