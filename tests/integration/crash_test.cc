// Crash safety (issue 7): real authnetd processes on loopback with real
// mutual TLS. Node "alpha" takes concurrent reports while syncing with
// "bravo", which takes reports too; alpha is killed with SIGKILL at a random
// moment, again and again. After every kill the test checks alpha's data
// directory: SQLite integrity_check, every stored batch whole and verified
// against the roster with no gap in any origin, and every report alpha
// acknowledged present with the digest it was made from. At the end, the
// acknowledged reports' idempotency keys still answer with their first seq,
// and alpha converges with bravo. SIGKILL leaves the kernel's page cache
// alone, so this proves atomic commits and acknowledge-after-commit, not
// what synchronous=FULL adds against power loss.
//
//   authnet_crash_test BIN_DIR [ITERATIONS]   (default 50; AUTHNET_CRASH_ITERATIONS too)
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "authnet/client.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "node/batch/batch_verifier.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/member_bundle.h"
#include "node/core/digester.h"
#include "node/core/subject_normalizer.h"
#include "node/store/log_store.h"
#include "tests/testing/ports.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kGtin[] = "4006381333931";

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "crash_test: FAILED: %s\n", why.c_str());
  std::exit(1);
}

void Expect(bool ok, const std::string& why) {
  if (!ok) {
    Fail(why);
  }
}

// A running authnetd, its output appended to LOG.
class Daemon {
 public:
  Daemon(std::string bin, std::vector<std::string> args, fs::path log)
      : bin_(std::move(bin)), args_(std::move(args)), log_(std::move(log)) {}
  ~Daemon() { Kill(); }

  void Start() {
    std::vector<char*> argv;
    argv.push_back(bin_.data());
    for (std::string& a : args_) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&pid_, bin_.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    Expect(rc == 0, absl::StrCat("cannot start ", bin_, ": ", std::strerror(rc)));
  }

  void Kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = 0;
    }
  }

  bool Exited() {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_ && (pid_ = 0, true);
  }

 private:
  std::string bin_;
  std::vector<std::string> args_;
  fs::path log_;
  pid_t pid_ = 0;
};

v1::StatusResponse NodeStatus(const std::string& api) {
  auto stub =
      v1::AdminService::NewStub(grpc::CreateChannel(api, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  v1::StatusResponse resp;
  return stub->Status(&ctx, v1::StatusRequest(), &resp).ok() ? resp : v1::StatusResponse();
}

void WaitUntilServing(const std::string& api, Daemon& daemon, const fs::path& log) {
  for (auto until = Clock::now() + std::chrono::seconds(30); Clock::now() < until;) {
    if (!NodeStatus(api).member().empty()) {
      return;
    }
    Expect(!daemon.Exited(), "authnetd exited during start-up; see " + log.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Fail("authnetd did not answer Status within 30 s; see " + log.string());
}

Subjects Unit(const std::string& serial) {
  Subjects s;
  s.gtin = kGtin;
  s.serial = serial;
  return s;
}

// An acknowledged report: the node answered OK with this seq.
struct Acked {
  std::string key;
  std::string serial;
  uint64_t seq;
};

// Reporter sends reports to one node from `threads` threads until stopped,
// remembering every acknowledged one.
class Reporter {
 public:
  Reporter(std::string api, std::string name, int threads) : name_(std::move(name)) {
    ClientOptions options;
    options.target = std::move(api);
    options.deadline = std::chrono::milliseconds(2000);
    options.report_attempts = 1;  // a retry is the test's business, not the SDK's
    client_ = *Client::Create(options);
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, t] { Run(t); });
    }
  }
  ~Reporter() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) {
        t.join();
      }
    }
  }

  std::vector<Acked> acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  Client& client() { return *client_; }

 private:
  void Run(int thread) {
    for (uint64_t n = 0; !stop_; ++n) {
      std::string serial = absl::StrCat(name_, "-", thread, "-", n, "-", next_++);
      std::string key = "key-" + serial;
      absl::StatusOr<ReportResult> r =
          client_->Report(Unit(serial), SignalKind::kCounterfeitSuspected, 0.5, key);
      if (r.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        acked_.push_back({key, serial, r->seq});
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // node down: try again soon
      }
    }
  }

  std::string name_;
  std::unique_ptr<Client> client_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> next_{0};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<Acked> acked_;
};

std::string UnitDigest(const Digester& digester, const std::string& serial) {
  v1::Subjects s;
  s.set_gtin(kGtin);
  s.set_serial(serial);
  absl::StatusOr<NormalizedSubjects> n = NormalizeSubjects(s, /*today=*/0);
  Expect(n.ok() && n->subjects.size() == 1, "cannot normalize a test subject");
  return digester.Make(n->subjects.front().type, n->subjects.front().value).bytes;
}

// CheckDataDir checks a copy of a killed node's data directory (database
// and WAL as the kill left them: opening them recovers the WAL, which the
// node's own restart must do itself) and returns how many records it holds
// of `origin`.
uint64_t CheckDataDir(const fs::path& killed, const MemberBundle& bundle, const Roster& roster,
                      const std::string& origin, const std::vector<Acked>& acked,
                      const Digester& digester, int iteration) {
  std::string where = absl::StrCat("after kill ", iteration, ": ");
  fs::path data = killed.parent_path() / "checked-copy";
  fs::remove_all(data);
  fs::create_directories(data);
  for (const char* file : {"authnet.db", "authnet.db-wal"}) {
    if (fs::exists(killed / file)) {
      fs::copy_file(killed / file, data / file);
    }
  }
  {
    sqlite3* db = nullptr;
    Expect(sqlite3_open((data / "authnet.db").c_str(), &db) == SQLITE_OK, where + "cannot open db");
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, nullptr);
    Expect(sqlite3_step(q) == SQLITE_ROW, where + "integrity_check returned nothing");
    std::string verdict = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
    Expect(verdict == "ok", where + "integrity_check: " + verdict);
  }
  absl::StatusOr<std::unique_ptr<LogStore>> store =
      LogStore::Open(StoreLocation{data}, bundle.network(), bundle.member_id());
  Expect(store.ok(), where + std::string(store.status().message()));
  std::map<std::string, uint64_t> held;
  std::map<uint64_t, std::string> own_digests;  // seq -> digest of this node's own records
  uint32_t today = static_cast<uint32_t>(std::time(nullptr) / 86'400);
  absl::Status st = (*store)->ForEachBatch([&](const StoredBatch& b) -> absl::Status {
    absl::StatusOr<v1::BatchBody> body = VerifyBatch(b.batch, roster, today);
    if (!body.ok()) {
      return absl::DataLossError(
          absl::StrCat("batch ", b.origin, " ", b.first_seq, ": ", body.status().message()));
    }
    if (body->origin() != b.origin || body->first_seq() != b.first_seq ||
        body->last_seq() != b.last_seq) {
      return absl::DataLossError(
          absl::StrCat("batch ", b.origin, " ", b.first_seq, " is stored under the wrong key"));
    }
    uint64_t& last = held[b.origin];
    if (b.first_seq != last + 1) {
      return absl::DataLossError(
          absl::StrCat("origin ", b.origin, " jumps from ", last, " to ", b.first_seq));
    }
    last = b.last_seq;
    if (b.origin == origin) {
      for (const v1::Record& r : body->records()) {
        own_digests[r.seq()] = r.digest();
      }
    }
    return absl::OkStatus();
  });
  Expect(st.ok(), where + std::string(st.message()));
  for (const Acked& a : acked) {
    auto it = own_digests.find(a.seq);
    Expect(it != own_digests.end(),
           absl::StrCat(where, "acknowledged report seq ", a.seq, " (", a.key, ") is missing"));
    Expect(it->second == UnitDigest(digester, a.serial),
           absl::StrCat(where, "seq ", a.seq, " holds another report than ", a.key));
  }
  return held[origin];
}

int Run(const std::string& bin_dir, int iterations) {
  testing::TempDir dir;
  auto admin = AdminDir::Init(dir.path() / "admin", "crashnet");
  Expect(admin.ok(), std::string(admin.status().message()));
  int alpha_port = testing::PickUnusedPort();
  int bravo_port = testing::PickUnusedPort();
  for (auto [id, port] : {std::pair{"alpha", alpha_port}, std::pair{"bravo", bravo_port}}) {
    auto m = admin->AddMember(id, absl::StrCat("127.0.0.1:", port), {1.0}, dir.path() / id);
    Expect(m.ok(), std::string(m.status().message()));
  }
  auto args = [&](const std::string& id, int port, int other) {
    return std::vector<std::string>{
        "--bundle",      (dir.path() / id).string(),
        "--data",        (dir.path() / (id + "-data")).string(),
        "--peer-listen", absl::StrCat("127.0.0.1:", port),
        "--api-listen",  "unix:" + (dir.path() / (id + ".sock")).string(),
        "--peers",       absl::StrCat("127.0.0.1:", other)};
  };
  std::string authnetd = (fs::path(bin_dir) / "authnetd").string();
  fs::path alpha_log = dir.path() / "alpha.log";
  std::string alpha_api = "unix:" + (dir.path() / "alpha.sock").string();
  std::string bravo_api = "unix:" + (dir.path() / "bravo.sock").string();
  Daemon alpha(authnetd, args("alpha", alpha_port, bravo_port), alpha_log);
  Daemon bravo(authnetd, args("bravo", bravo_port, alpha_port), dir.path() / "bravo.log");
  bravo.Start();
  WaitUntilServing(bravo_api, bravo, dir.path() / "bravo.log");

  absl::StatusOr<MemberBundle> bundle = MemberBundle::Load(dir.path() / "alpha");
  Expect(bundle.ok(), std::string(bundle.status().message()));
  Digester digester(bundle->network_keys());

  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> load_ms(20, 400);
  Reporter to_bravo(bravo_api, "bravo", 1);  // bravo's reports keep sync flowing into alpha
  std::vector<Acked> acked;
  uint64_t held = 0;
  auto started = Clock::now();
  for (int i = 1; i <= iterations; ++i) {
    alpha.Start();
    WaitUntilServing(alpha_api, alpha, alpha_log);
    {
      Reporter to_alpha(alpha_api, absl::StrCat("alpha-", i), 4);
      std::this_thread::sleep_for(std::chrono::milliseconds(load_ms(rng)));
      alpha.Kill();  // SIGKILL, mid-report and mid-sync
      to_alpha.Stop();
      std::vector<Acked> now = to_alpha.acked();
      acked.insert(acked.end(), now.begin(), now.end());
    }
    uint64_t own = CheckDataDir(dir.path() / "alpha-data", *bundle, admin->roster(), "alpha", acked,
                                digester, i);
    Expect(own >= held,
           absl::StrCat("after kill ", i, ": alpha's log shrank from ", held, " to ", own));
    held = own;
    if (i % 10 == 0 || i == iterations) {
      std::printf(
          "crash_test: %d/%d kills, %zu acknowledged reports all present, %llu records of "
          "alpha held, %.0f s\n",
          i, iterations, acked.size(), static_cast<unsigned long long>(own),
          std::chrono::duration<double>(Clock::now() - started).count());
      std::fflush(stdout);
    }
  }
  Expect(!acked.empty(), "no report was ever acknowledged: the test proved nothing");

  // Back up for good: acknowledged keys still answer with their first seq,
  // and alpha converges with bravo once bravo's reports stop.
  alpha.Start();
  WaitUntilServing(alpha_api, alpha, alpha_log);
  to_bravo.Stop();
  Reporter check(alpha_api, "check", 0);
  for (size_t k = 0; k < acked.size(); k += std::max<size_t>(1, acked.size() / 50)) {
    absl::StatusOr<ReportResult> again = check.client().Report(
        Unit(acked[k].serial), SignalKind::kCounterfeitSuspected, 0.5, acked[k].key);
    Expect(again.ok() && again->replayed && again->seq == acked[k].seq,
           absl::StrCat("retried report ", acked[k].key, " did not answer its first seq ",
                        acked[k].seq));
  }
  for (auto until = Clock::now() + std::chrono::seconds(60);;) {
    v1::StatusResponse a = NodeStatus(alpha_api);
    v1::StatusResponse b = NodeStatus(bravo_api);
    if (!a.model_fingerprint().empty() && a.model_fingerprint() == b.model_fingerprint()) {
      std::printf(
          "crash_test: converged after %d kills: %llu records on both nodes, fingerprint "
          "%s\n",
          iterations, static_cast<unsigned long long>(a.records()),
          a.model_fingerprint().substr(0, 16).c_str());
      break;
    }
    Expect(Clock::now() < until,
           absl::StrCat("alpha and bravo did not converge within 60 s (records ", a.records(),
                        " vs ", b.records(), ")"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

}  // namespace
}  // namespace authnet

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: authnet_crash_test BIN_DIR [ITERATIONS]\n");
    return 2;
  }
  int iterations = 50;
  if (const char* env = std::getenv("AUTHNET_CRASH_ITERATIONS")) {
    iterations = std::atoi(env);
  }
  if (argc == 3) {
    iterations = std::atoi(argv[2]);
  }
  if (iterations < 1) {
    std::fprintf(stderr, "authnet_crash_test: ITERATIONS must be a positive number\n");
    return 2;
  }
  return authnet::Run(argv[1], iterations);
}
