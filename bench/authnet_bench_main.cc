// authnet-bench: benchmark and simulation programs (bench/README.md).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "bench/market_sim.h"
#include "bench/modes.h"
#include "bench/sim_svg.h"
#include "node/core/flag_parser.h"
#include "node/core/json.h"
#include "node/core/log_text.h"

namespace authnet::bench {
namespace {

constexpr char kUsage[] =
    "usage: authnet-bench MODE [options] [--json]\n"
    "Each mode prints a table; with --json it ends with one JSON object on its own line.\n"
    "Progress goes to stderr. Figures and targets: bench/README.md.\n"
    "\n"
    "  authnet-bench check [--concurrency C] [--duration S] [--epochs E] [--store SERVER_URL]\n"
    "                      [--http]\n"
    "    SDK -> node unary Check over loopback, beside a bare gRPC echo (default 1 caller, 10 s;\n"
    "    --epochs: evidence under E live network key epochs, each check digests under all;\n"
    "    --http: Check over HTTP/JSON beside Check over gRPC instead of the echo)\n"
    "  authnet-bench check-batch [--duration S] [--batch N] [--concurrency C] [--epochs E]\n"
    "                            [--input fields|scan]\n"
    "    CheckBatch of N checks of 4 subjects each (default 1000 checks, 2 callers; scan:\n"
    "    the unit as GS1 data and non-ASCII names, through the GS1 parser and ICU)\n"
    "  authnet-bench report [--concurrency C] [--duration S] [--store SERVER_URL]\n"
    "    durable Report calls (default 32 callers); --store: on PostgreSQL, in a scratch\n"
    "    database the benchmark creates on that server and drops\n"
    "  authnet-bench replicas --store SERVER_URL [--concurrency C] [--duration S]\n"
    "    two replicas of one member on one PostgreSQL database: reports to one, time until\n"
    "    the other's model holds each (default 4 callers, 10 s)\n"
    "  authnet-bench ingest [--records N] [--batch N]\n"
    "    one node pulls N signed records from another over mutual TLS (default 1,000,000)\n"
    "  authnet-bench sync [--records N] [--diff D] [--origins O]\n"
    "    one sync round between two nodes sharing N records of O origins, D apart,\n"
    "    then an idle re-check (default 100,000 records, 0 apart, 100 origins)\n"
    "  authnet-bench converge [--nodes M] [--repeats R]\n"
    "    M nodes each dialing about 3 others: time from a report until all hold it\n"
    "    (default 16 nodes, 50 reports)\n"
    "  authnet-bench scale [--records N] [--duration S] [--store SERVER_URL]\n"
    "  authnet-bench scale --units N [--duration S]   (a brand's commissioned units)\n"
    "    authnetd on a data dir of N records beside one of 10,000: memory, start-up,\n"
    "    check latency (default 10,000,000 records)\n"
    "  authnet-bench sim [--json] [--seed N] [--days N] [--clone-decision review|deny]\n"
    "                    [--svg FILE]   (recall and false deny against network size)\n"
    "                    [--rotate-key-day D]\n"
    "    plays a seeded market of 8 platforms through the real model, alone and in\n"
    "    networks of 2, 4 and 8, and with one malicious member; prints recall of\n"
    "    counterfeit checkouts denied, false denies and clones detected.\n";

int Usage(const std::string& what) {
  std::fprintf(stderr, "authnet-bench: %s; run 'authnet-bench --help'\n", what.c_str());
  return 2;
}

std::string Percent(double v) { return absl::StrFormat("%.2f%%", 100 * v); }

// PrintLifecycleRow prints one row of the serialized-GTIN table.
void PrintLifecycleRow(const char* name, int members, const Tally& t, bool json) {
  if (json) {
    std::printf("%s\n",
                absl::StrCat("{\"scenario\": ", JsonQuote(name), ", \"members\": ", members,
                             ", \"recall\": ", JsonNumber(t.recall()), ", \"counterfeit_review\": ",
                             JsonNumber(t.counterfeit_checkouts == 0
                                            ? 0
                                            : static_cast<double>(t.counterfeit_reviewed) /
                                                  t.counterfeit_checkouts),
                             ", \"false_deny\": ", JsonNumber(t.false_deny()),
                             ", \"genuine_review\": ", JsonNumber(t.review_rate()),
                             ", \"counterfeit_checkouts\": ", t.counterfeit_checkouts,
                             ", \"genuine_checkouts\": ", t.genuine_checkouts, "}")
                    .c_str());
    return;
  }
  double held = t.counterfeit_checkouts == 0
                    ? 0
                    : static_cast<double>(t.counterfeit_reviewed) / t.counterfeit_checkouts;
  std::printf("%-17s %7d %8s %11s %11s %14s\n", name, members, Percent(t.recall()).c_str(),
              Percent(held).c_str(), absl::StrFormat("%.3f%%", 100 * t.false_deny()).c_str(),
              Percent(t.review_rate()).c_str());
}

// RunSimLifecycle plays the market again with the brand (and customs) and
// prints what checkouts of the brand's serialized GTINs saw (issue 18).
int RunSimLifecycle(const MarketOptions& options, const MarketResult& honest1,
                    const MarketResult& honest8, bool json) {
  if (!json) {
    std::printf("\n%-17s %7s %8s %11s %11s %14s\n", "serialized GTINs", "members", "recall",
                "fake_review", "false_deny", "genuine_review");
  }
  PrintLifecycleRow("no_brand", 1, honest1.serialized, json);
  PrintLifecycleRow("no_brand", 8, honest8.serialized, json);
  struct Run {
    const char* name;
    int members;
    v1::Decision not_commissioned;
  };
  for (const Run& run : {Run{"brand", 1, v1::DECISION_REVIEW}, Run{"brand", 8, v1::DECISION_REVIEW},
                         Run{"brand_deny", 8, v1::DECISION_DENY}}) {
    MarketOptions o = options;
    o.brand = true;
    o.customs = run.members == 8 && run.not_commissioned == v1::DECISION_REVIEW;
    o.model.not_commissioned_decision = run.not_commissioned;
    std::fprintf(stderr, "playing %s with %d member%s per network...", run.name, run.members,
                 run.members == 1 ? "" : "s");
    std::fflush(stderr);
    absl::StatusOr<MarketResult> r = RunMarket(o, run.members);
    if (!r.ok()) {
      std::fprintf(stderr, "\nauthnet-bench sim: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
    std::fprintf(stderr, " %s, %s missed\n", Counted(r->records, "record").c_str(),
                 Counted(r->missed, "upload").c_str());
    PrintLifecycleRow(run.name, run.members, r->serialized, json);
    if (o.customs) {
      PrintLifecycleRow("customs_observer", 8, r->customs, json);
    }
    std::fflush(stdout);
  }
  return 0;
}

int RunSim(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> f =
      ParseFlags(args, {"seed", "days", "clone-decision", "rotate-key-day", "svg"}, {"json"});
  if (!f.ok()) {
    return Usage(std::string(f.status().message()));
  }
  MarketOptions options;
  if (auto seed = f->Get("seed"); seed && !absl::SimpleAtoi(*seed, &options.seed)) {
    return Usage("--seed: '" + *seed + "' is not a number");
  }
  if (auto days = f->Get("days"); days && (!absl::SimpleAtoi(*days, &options.days) ||
                                           options.days < 1 || options.days > 3650)) {
    return Usage("--days: '" + *days + "' is not a number of days from 1 to 3650");
  }
  if (auto rotate = f->Get("rotate-key-day");
      rotate && (!absl::SimpleAtoi(*rotate, &options.rotate_key_day) ||
                 options.rotate_key_day < 0 || options.rotate_key_day >= options.days)) {
    return Usage("--rotate-key-day: '" + *rotate + "' is not a day of the run (0 to days-1)");
  }
  if (auto clone = f->Get("clone-decision")) {
    if (*clone == "review") {
      options.model.clone_decision = v1::DECISION_REVIEW;
    } else if (*clone == "deny") {
      options.model.clone_decision = v1::DECISION_DENY;
    } else {
      return Usage("--clone-decision: '" + *clone + "' is not review or deny");
    }
  }
  bool json = f->Has("json");
  std::fprintf(stderr,
               "market: %d platforms, %d days, seed %llu; %d genuine suppliers, %d "
               "counterfeiters\n",
               options.platforms, options.days, static_cast<unsigned long long>(options.seed),
               options.genuine_suppliers, options.counterfeiters);
  if (!json) {
    std::printf("%-17s %7s %8s %11s %14s %16s\n", "scenario", "members", "recall", "false_deny",
                "genuine_review", "clones_detected");
  }
  struct Scenario {
    const char* name;
    int members;
    int malicious;
  };
  std::optional<std::string> svg = f->Get("svg");
  if (svg && svg->empty()) {
    return Usage("--svg: give the file to write the picture to");
  }
  std::vector<SimPoint> points;         // the network rows, for --svg
  std::optional<MarketResult> honest8;  // the baseline for the malicious member
  std::optional<MarketResult> honest1;  // a lone platform, for the brand's rows
  for (const Scenario& sc :
       {Scenario{"network", 1, -1}, Scenario{"network", 2, -1}, Scenario{"network", 4, -1},
        Scenario{"network", 8, -1}, Scenario{"malicious_member", 8, 7}}) {
    MarketOptions o = options;
    o.malicious_member = sc.malicious;
    std::fprintf(stderr, "playing %s with %d member%s per network...", sc.name, sc.members,
                 sc.members == 1 ? "" : "s");
    std::fflush(stderr);
    auto started = std::chrono::steady_clock::now();
    absl::StatusOr<MarketResult> r = RunMarket(o, sc.members);
    if (!r.ok()) {
      std::fprintf(stderr, "\nauthnet-bench sim: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
    std::fprintf(stderr, " %.1f s, %llu records, %llu new counterfeiter identities\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                 static_cast<unsigned long long>(r->records),
                 static_cast<unsigned long long>(r->identities));
    // The malicious row is compared with the same market and the same seven
    // honest platforms without the attack.
    std::optional<Tally> baseline;
    if (sc.malicious >= 0 && honest8) {
      baseline = honest8->Without(sc.malicious);
    }
    if (sc.malicious < 0 && sc.members == 8) {
      honest8 = *r;
    }
    if (sc.members == 1) {
      honest1 = *r;
    }
    if (sc.malicious < 0) {
      points.push_back({r->members, r->recall(), r->false_deny()});
    }
    if (json) {
      std::string extra;
      if (baseline) {
        extra =
            absl::StrCat(", \"baseline_recall\": ", JsonNumber(baseline->recall()),
                         ", \"baseline_false_deny\": ", JsonNumber(baseline->false_deny()),
                         ", \"baseline_genuine_review\": ", JsonNumber(baseline->review_rate()));
      }
      std::printf("%s\n",
                  absl::StrCat("{\"scenario\": ", JsonQuote(sc.name), ", \"members\": ", r->members,
                               ", \"recall\": ", JsonNumber(r->recall()),
                               ", \"false_deny\": ", JsonNumber(r->false_deny()),
                               ", \"clones_detected\": ", r->clones_detected,
                               ", \"clones_total\": ", r->clones_total,
                               ", \"genuine_review\": ", JsonNumber(r->review_rate()),
                               ", \"counterfeit_checkouts\": ", r->counterfeit_checkouts,
                               ", \"genuine_checkouts\": ", r->genuine_checkouts, extra, "}")
                      .c_str());
    } else {
      std::printf(
          "%-17s %7d %8s %11s %14s %9llu/%-6llu\n", sc.name, r->members,
          Percent(r->recall()).c_str(), absl::StrFormat("%.3f%%", 100 * r->false_deny()).c_str(),
          Percent(r->review_rate()).c_str(), static_cast<unsigned long long>(r->clones_detected),
          static_cast<unsigned long long>(r->clones_total));
      if (baseline) {
        std::printf("%-17s %7s %8s %11s %14s   (same 7 platforms, no attack)\n", "  without attack",
                    "", Percent(baseline->recall()).c_str(),
                    absl::StrFormat("%.3f%%", 100 * baseline->false_deny()).c_str(),
                    Percent(baseline->review_rate()).c_str());
      }
    }
    std::fflush(stdout);
  }
  if (svg) {
    std::ofstream out(*svg, std::ios::trunc);
    out << SimSvg(
        points, absl::StrFormat("%d platforms, %d days, seed %llu", options.platforms, options.days,
                                static_cast<unsigned long long>(options.seed)));
    out.close();
    if (!out) {
      std::fprintf(stderr, "authnet-bench sim: --svg: cannot write %s (check the path)\n",
                   svg->c_str());
      return 1;
    }
    std::fprintf(stderr, "wrote recall and false deny against network size to %s\n", svg->c_str());
  }
  return RunSimLifecycle(options, *honest1, *honest8, json);
}

}  // namespace
}  // namespace authnet::bench

int main(int argc, char** argv) {
  // Debian's abseil is built with Mutex deadlock detection on, which keeps a
  // lock graph on every acquisition; the tests keep it, production skips it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    std::fputs(authnet::bench::kUsage, words.empty() ? stderr : stdout);
    return words.empty() ? 2 : 0;
  }
  std::vector<std::string> rest(words.begin() + 1, words.end());
  using Mode = int (*)(const std::vector<std::string>&);
  const std::pair<const char*, Mode> modes[] = {{"sim", authnet::bench::RunSim},
                                                {"check", authnet::bench::RunCheck},
                                                {"check-batch", authnet::bench::RunCheckBatch},
                                                {"report", authnet::bench::RunReport},
                                                {"replicas", authnet::bench::RunReplicas},
                                                {"ingest", authnet::bench::RunIngest},
                                                {"sync", authnet::bench::RunSync},
                                                {"converge", authnet::bench::RunConverge},
                                                {"scale", authnet::bench::RunScale}};
  for (const auto& [name, run] : modes) {
    if (words[0] == name) {
      return run(rest);
    }
  }
  return authnet::bench::Usage("unknown mode '" + words[0] + "'");
}
