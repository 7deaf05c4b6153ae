#include "node/ctl/node_commands.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "authnet/v1/checkout.grpc.pb.h"
#include "node/core/flag_parser.h"
#include "node/core/hex.h"
#include "node/core/json.h"
#include "node/core/log_text.h"
#include "node/core/subject_normalizer.h"
#include "node/ctl/node_call.h"
#include "node/ctl/node_channel.h"

namespace authnet {
namespace {

using cli::DecisionName;
using cli::FillSubjects;
using cli::kSubjectFlags;
using cli::RpcError;
using cli::SetDeadline;
using cli::UsageError;

// ReadSerials adds the serials of `path` (one a line; blank lines skipped)
// to a lifecycle report.
absl::Status ReadSerials(const std::string& path, v1::ReportRequest* req) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--serials-file: cannot read ", path, " (check the path)"));
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty()) {
      req->add_serials(line);
    }
  }
  if (req->serials_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("--serials-file: ", path, " holds no serial"));
  }
  return absl::OkStatus();
}

std::string ReasonJson(const v1::Reason& r) {
  return absl::StrCat("{\"subject\": ", JsonQuote(SubjectTypeName(r.subject_type())),
                      ", \"code\": ", JsonQuote(r.code()), ", \"members\": ", r.members(),
                      ", \"newest_age_days\": ", r.newest_age_days(),
                      ", \"score\": ", JsonNumber(r.score()),
                      ", \"local\": ", r.local() ? "true" : "false",
                      ", \"summary\": ", JsonQuote(r.summary()), "}");
}

}  // namespace

namespace {

// PrintStatusJson prints `resp` as status --json's one line.
void PrintStatusJson(const v1::StatusResponse& resp) {
  std::map<std::string, uint64_t> vv(resp.version_vector().begin(), resp.version_vector().end());
  std::vector<std::string> vv_items;
  for (const auto& [origin, seq] : vv) {
    vv_items.push_back(absl::StrCat(JsonQuote(origin), ": ", seq));
  }
  std::vector<std::string> peers;
  for (const v1::PeerStatus& p : resp.peers()) {
    peers.push_back(absl::StrCat("{\"member\": ", JsonQuote(p.member()),
                                 ", \"address\": ", JsonQuote(p.address()),
                                 ", \"connected\": ", p.connected() ? "true" : "false",
                                 ", \"lag_records\": ", p.lag_records(), "}"));
  }
  std::printf(
      "%s\n",
      absl::StrCat(
          "{\"member\": ", JsonQuote(resp.member()), ", \"network\": ", JsonQuote(resp.network()),
          ", \"version\": ", JsonQuote(resp.version()),
          ", \"roster_version\": ", resp.roster_version(), ", \"records\": ", resp.records(),
          ", \"model_fingerprint\": ", JsonQuote(resp.model_fingerprint()),
          ", \"version_vector\": {", absl::StrJoin(vv_items, ", "), "}", ", \"peers\": [",
          absl::StrJoin(peers, ", "), "]", ", \"serving\": ", resp.serving() ? "true" : "false",
          ", \"not_serving_reason\": ", JsonQuote(resp.not_serving_reason()),
          ", \"roster_expires_unix\": ", resp.roster_expires_unix(), ", \"key_epoch\": ",
          resp.key_epoch(), ", \"live_key_epochs\": [", absl::StrJoin(resp.live_key_epochs(), ", "),
          "]", ", \"store\": {\"engine\": ", JsonQuote(resp.store().engine()), ", \"replica\": ",
          JsonQuote(resp.store().replica()), ", \"lag_records\": ", resp.store().lag_records(),
          ", \"lag_seconds\": ", absl::StrFormat("%.3f", resp.store().lag_seconds()), "}",
          ", \"listeners\": {\"peer\": ", JsonQuote(resp.listeners().peer()), ", \"api\": ",
          JsonQuote(resp.listeners().api()), ", \"http\": ", JsonQuote(resp.listeners().http()),
          ", \"metrics\": ", JsonQuote(resp.listeners().metrics()), "}}")
          .c_str());
}

// PrintStatusText prints `resp` for a person.
void PrintStatusText(const v1::StatusResponse& resp) {
  std::map<std::string, uint64_t> vv(resp.version_vector().begin(), resp.version_vector().end());
  std::printf("member:            %s (network %s)\n", resp.member().c_str(),
              resp.network().c_str());
  if (!resp.version().empty()) {  // (a node before 0.1.0 does not say)
    std::printf("version:           authnetd %s\n", resp.version().c_str());
  }
  std::printf("roster version:    %llu\n", static_cast<unsigned long long>(resp.roster_version()));
  std::printf("health:            %s\n",
              resp.serving()
                  ? "SERVING"
                  : absl::StrCat("NOT_SERVING (", resp.not_serving_reason(), ")").c_str());
  std::printf(
      "roster expires:    %s\n",
      resp.roster_expires_unix() == 0
          ? "never"
          : absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                             absl::FromUnixSeconds(resp.roster_expires_unix()), absl::UTCTimeZone())
                .c_str());
  std::printf("network key epoch: %u (checks look under %s)\n", resp.key_epoch(),
              absl::StrJoin(resp.live_key_epochs(), ", ").c_str());
  std::printf("records:           %llu\n", static_cast<unsigned long long>(resp.records()));
  if (!resp.store().replica().empty()) {
    std::printf("store:             %s, replica %s, %s behind\n", resp.store().engine().c_str(),
                resp.store().replica().c_str(),
                Counted(resp.store().lag_records(), "record").c_str());
  } else {
    std::printf("store:             %s\n", resp.store().engine().c_str());
  }
  std::printf("model fingerprint: %s\n", resp.model_fingerprint().c_str());
  for (const auto& [name, address] :
       {std::pair{"peer", &resp.listeners().peer()}, std::pair{"api", &resp.listeners().api()},
        std::pair{"http", &resp.listeners().http()},
        std::pair{"metrics", &resp.listeners().metrics()}}) {
    if (!address->empty()) {
      std::printf("%-8s listener:  %s\n", name, address->c_str());
    }
  }
  std::printf("version vector:    %s\n",
              vv.empty() ? "(empty)" : absl::StrJoin(vv, ", ", absl::PairFormatter("=")).c_str());
  for (const v1::PeerStatus& p : resp.peers()) {
    std::printf("peer %-20s %-22s %-13s lag %s\n", p.member().c_str(), p.address().c_str(),
                p.connected() ? "connected" : "not connected",
                Counted(p.lag_records(), "record").c_str());
  }
}

}  // namespace

int RunStatus(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, kNodeFlags, {"json"});
  if (!f.ok()) {
    return UsageError("status", f.status().message());
  }
  std::optional<std::string> node = f->Get("node");
  if (!node) {
    return UsageError("status", "--node is required");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = DialNode(*f);
  if (!channel.ok()) {
    return UsageError("status", channel.status().message());
  }
  auto stub = v1::AdminService::NewStub(*channel);
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::StatusResponse resp;
  grpc::Status st = stub->Status(&ctx, v1::StatusRequest(), &resp);
  if (!st.ok()) {
    return RpcError("status", *f, st);
  }
  if (f->Has("json")) {
    PrintStatusJson(resp);
  } else {
    PrintStatusText(resp);
  }
  return 0;
}

int RunCheck(const std::vector<std::string>& args) {
  std::set<std::string> value_flags = kSubjectFlags;
  value_flags.insert(kNodeFlags.begin(), kNodeFlags.end());
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, value_flags, {"json"});
  if (!f.ok()) {
    return UsageError("check", f.status().message());
  }
  std::optional<std::string> node = f->Get("node");
  if (!node) {
    return UsageError("check", "--node is required");
  }
  v1::CheckRequest req;
  FillSubjects(*f, req.mutable_subjects());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = DialNode(*f);
  if (!channel.ok()) {
    return UsageError("check", channel.status().message());
  }
  auto stub = v1::CheckoutService::NewStub(*channel);
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::CheckResponse resp;
  grpc::Status st = stub->Check(&ctx, req, &resp);
  if (!st.ok()) {
    return RpcError("check", *f, st);
  }
  if (f->Has("json")) {
    std::vector<std::string> reasons;
    for (const v1::Reason& r : resp.reasons()) {
      reasons.push_back(ReasonJson(r));
    }
    std::printf("%s\n", absl::StrCat("{\"decision\": ", JsonQuote(DecisionName(resp.decision())),
                                     ", \"risk\": ", JsonNumber(resp.risk()),
                                     ", \"reporters\": ", resp.reporters(), ", \"reasons\": [",
                                     absl::StrJoin(reasons, ", "), "]}")
                            .c_str());
    return 0;
  }
  std::printf("decision: %s (risk %.2f, %s)\n", DecisionName(resp.decision()).c_str(), resp.risk(),
              Counted(resp.reporters(), "reporting member").c_str());
  for (const v1::Reason& r : resp.reasons()) {
    std::printf("  reason: %s\n", r.summary().c_str());
  }
  return 0;
}

int RunReport(const std::vector<std::string>& args) {
  std::set<std::string> value_flags = kSubjectFlags;
  value_flags.insert(kNodeFlags.begin(), kNodeFlags.end());
  value_flags.insert({"kind", "weight", "idempotency-key", "serials-file"});
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, value_flags, {"json"});
  if (!f.ok()) {
    return UsageError("report", f.status().message());
  }
  std::optional<std::string> node = f->Get("node");
  if (!node) {
    return UsageError("report", "--node is required");
  }
  std::optional<std::string> kind_name = f->Get("kind");
  if (!kind_name) {
    return UsageError("report", "--kind is required");
  }
  v1::SignalKind kind = ParseSignalKind(*kind_name);
  if (kind == v1::SIGNAL_KIND_UNSPECIFIED) {
    return UsageError("report", absl::StrCat("--kind: unknown kind '", *kind_name,
                                             "'; use counterfeit_confirmed, counterfeit_suspected, "
                                             "verification_failed, verification_passed, "
                                             "unit_sold, return_not_genuine, unit_commissioned, "
                                             "unit_decommissioned or gtin_serialized"));
  }
  v1::ReportRequest req;
  FillSubjects(*f, req.mutable_subjects());
  if (std::optional<std::string> file = f->Get("serials-file")) {
    if (absl::Status st = ReadSerials(*file, &req); !st.ok()) {
      return UsageError("report", st.message());
    }
  }
  req.set_kind(kind);
  if (auto w = f->Get("weight")) {
    double weight = 0;
    if (!absl::SimpleAtod(*w, &weight)) {
      return UsageError("report", absl::StrCat("--weight: '", *w, "' is not a number"));
    }
    req.set_weight(weight);
  }
  req.set_idempotency_key(f->Get("idempotency-key").value_or(""));
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = DialNode(*f);
  if (!channel.ok()) {
    return UsageError("report", channel.status().message());
  }
  auto stub = v1::CheckoutService::NewStub(*channel);
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::ReportResponse resp;
  grpc::Status st = stub->Report(&ctx, req, &resp);
  if (!st.ok()) {
    return RpcError("report", *f, st);
  }
  if (f->Has("json")) {
    std::printf("{\"accepted\": %u, \"seq\": %llu, \"replayed\": %s}\n", resp.accepted(),
                static_cast<unsigned long long>(resp.seq()), resp.replayed() ? "true" : "false");
    return 0;
  }
  std::printf("recorded %u record%s from seq %llu%s (durable)\n", resp.accepted(),
              resp.accepted() == 1 ? "" : "s", static_cast<unsigned long long>(resp.seq()),
              resp.replayed() ? ", already recorded earlier under this idempotency key" : "");
  return 0;
}

int RunRetract(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "retract";
  std::set<std::string> value_flags(kNodeFlags.begin(), kNodeFlags.end());
  value_flags.insert({"seq", "count"});
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, value_flags, {"json"});
  if (!f.ok()) {
    return UsageError(kCommand, f.status().message());
  }
  if (!f->Get("node")) {
    return UsageError(kCommand, "--node is required");
  }
  std::optional<std::string> seq_text = f->Get("seq");
  uint64_t seq = 0;
  if (!seq_text) {
    return UsageError(kCommand,
                      "--seq is required: the first record to retract (report prints it)");
  }
  if (!absl::SimpleAtoi(*seq_text, &seq) || seq == 0) {
    return UsageError(
        kCommand, absl::StrCat("--seq: '", *seq_text, "' is not a record seq (a number from 1)"));
  }
  uint32_t count = 1;
  if (auto c = f->Get("count"); c && (!absl::SimpleAtoi(*c, &count) || count == 0)) {
    return UsageError(kCommand, absl::StrCat("--count: '", *c, "' is not a number from 1"));
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = DialNode(*f);
  if (!channel.ok()) {
    return UsageError(kCommand, channel.status().message());
  }
  v1::RetractRequest req;
  req.set_seq(seq);
  req.set_count(count);
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::RetractResponse resp;
  grpc::Status st = v1::CheckoutService::NewStub(*channel)->Retract(&ctx, req, &resp);
  if (!st.ok()) {
    return RpcError(kCommand, *f, st);
  }
  if (f->Has("json")) {
    std::printf("{\"retracted\": %u, \"seq\": %llu}\n", resp.retracted(),
                static_cast<unsigned long long>(resp.seq()));
    return 0;
  }
  const uint64_t last = seq + count - 1;
  const std::string range =
      count == 1 ? absl::StrCat("seq ", seq) : absl::StrCat("seqs ", seq, "..", last);
  if (resp.retracted() == 0) {
    std::printf("nothing to retract in %s: already retracted (durable)\n", range.c_str());
    return 0;
  }
  std::printf(
      "retracted %s of %s, by retraction records from seq %llu (durable); the network "
      "stops counting them as the records reach each node\n",
      Counted(resp.retracted(), "record").c_str(), range.c_str(),
      static_cast<unsigned long long>(resp.seq()));
  return 0;
}

int RunAlerts(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, kNodeFlags, {"json", "no-follow"});
  if (!f.ok()) {
    return UsageError("alerts", f.status().message());
  }
  std::optional<std::string> node = f->Get("node");
  if (!node) {
    return UsageError("alerts", "--node is required");
  }
  bool follow = !f->Has("no-follow");
  bool json = f->Has("json");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = DialNode(*f);
  if (!channel.ok()) {
    return UsageError("alerts", channel.status().message());
  }
  auto stub = v1::AdminService::NewStub(*channel);
  grpc::ClientContext ctx;  // following: no deadline, until interrupted
  if (!follow) {
    SetDeadline(&ctx);
  }
  v1::WatchAlertsRequest req;
  req.set_follow(follow);
  std::unique_ptr<grpc::ClientReader<v1::SupplierAlert>> reader = stub->WatchAlerts(&ctx, req);
  if (follow && !json) {
    std::fprintf(stderr, "watching %s for supplier alerts (Ctrl-C to stop)\n", node->c_str());
  }
  v1::SupplierAlert a;
  uint64_t shown = 0;
  while (reader->Read(&a)) {
    std::string day = absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(int64_t{a.day()} * 86400),
                                       absl::UTCTimeZone());
    std::string supplier = HexEncode(a.supplier_digest()).substr(0, 16);
    if (json) {
      std::printf("%s\n", absl::StrCat("{\"id\": ", a.id(), ", \"day\": ", JsonQuote(day),
                                       ", \"supplier\": ", JsonQuote(supplier),
                                       ", \"rate_before\": ", JsonNumber(a.rate_before()),
                                       ", \"rate_after\": ", JsonNumber(a.rate_after()),
                                       ", \"records\": ", a.records_after(),
                                       ", \"records_before\": ", a.records_before(),
                                       ", \"members\": ", a.members(),
                                       ", \"window_days\": ", a.window_days(), "}")
                              .c_str());
    } else {
      std::printf("%s supplier %s adverse rate %.3f -> %.3f, %s in the last %s (%s; %s before)\n",
                  day.c_str(), supplier.c_str(), a.rate_before(), a.rate_after(),
                  Counted(a.records_after(), "record").c_str(),
                  Counted(a.window_days(), "day").c_str(), Counted(a.members(), "member").c_str(),
                  Counted(a.records_before(), "record").c_str());
    }
    std::fflush(stdout);
    ++shown;
  }
  grpc::Status st = reader->Finish();
  if (!st.ok()) {
    return RpcError("alerts", *f, st);
  }
  // --json prints one object a line, so none is no line; a person is told.
  if (shown == 0 && !follow && !json) {
    std::printf("no supplier alerts held by the node %s\n", node->c_str());
  }
  return 0;
}

}  // namespace authnet
