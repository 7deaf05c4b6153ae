#include "node/ctl/local_commands.h"

#include <cstdio>
#include <map>
#include <variant>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "node/core/json.h"
#include "node/core/log_text.h"
#include "node/core/subject_normalizer.h"
#include "node/ctl/node_call.h"
#include "node/ctl/node_channel.h"

namespace authnet {
namespace {

using cli::DecisionName;
using cli::RpcError;
using cli::SetDeadline;
using cli::UsageError;

// Connect parses the flags of a local command and dials its node.
struct Connected {
  ParsedFlags flags;
  std::string node;
  std::unique_ptr<v1::AdminService::Stub> stub;
};

std::variant<Connected, int> Connect(absl::string_view command,
                                     const std::vector<std::string>& args,
                                     std::set<std::string> value_flags,
                                     const std::set<std::string>& switches,
                                     size_t max_positional = 0) {
  value_flags.insert(kNodeFlags.begin(), kNodeFlags.end());
  absl::StatusOr<ParsedFlags> f = ParseFlags(args, value_flags, switches, max_positional);
  if (!f.ok()) {
    return UsageError(command, f.status().message());
  }
  std::optional<std::string> node = f->Get("node");
  if (!node) {
    return UsageError(command, "--node is required");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = DialNode(*f);
  if (!channel.ok()) {
    return UsageError(command, channel.status().message());
  }
  return Connected{*std::move(f), *node, v1::AdminService::NewStub(*channel)};
}

std::string Types(const v1::Override& o) {
  std::vector<std::string> names;
  for (int t : o.subject_types()) {
    names.emplace_back(SubjectTypeName(static_cast<v1::SubjectType>(t)));
  }
  return absl::StrJoin(names, "+");
}

std::string Day(uint32_t day) {
  return day == 0 ? "never"
                  : absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(int64_t{day} * 86400),
                                     absl::UTCTimeZone());
}

std::string OverrideJson(const v1::Override& o) {
  std::vector<std::string> types;
  for (int t : o.subject_types()) {
    types.push_back(JsonQuote(SubjectTypeName(static_cast<v1::SubjectType>(t))));
  }
  return absl::StrCat(
      "{\"id\": ", o.id(), ", \"decision\": ", JsonQuote(DecisionName(o.decision())),
      ", \"subjects\": [", absl::StrJoin(types, ", "), "], \"reason\": ", JsonQuote(o.reason()),
      ", \"created_by\": ", JsonQuote(o.created_by()), ", \"created_unix\": ", o.created_unix(),
      ", \"expires\": ", o.expires_day() == 0 ? "null" : JsonQuote(Day(o.expires_day())), "}");
}

std::string OverrideLine(const v1::Override& o) {
  return absl::StrCat(o.id(), "  ", DecisionName(o.decision()), "  ", Types(o), "  expires ",
                      Day(o.expires_day()), "  by ", o.created_by(), "  \"", o.reason(), "\"");
}

}  // namespace

int RunOverrideAdd(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "override add";
  std::set<std::string> value_flags = cli::kSubjectFlags;
  value_flags.insert({"reason", "expires-days"});
  std::variant<Connected, int> c = Connect(kCommand, args, value_flags, {"allow", "deny", "json"});
  if (std::holds_alternative<int>(c)) {
    return std::get<int>(c);
  }
  Connected& call = std::get<Connected>(c);
  const ParsedFlags& f = call.flags;
  if (f.Has("allow") == f.Has("deny")) {
    return UsageError(kCommand, "give one of --allow or --deny");
  }
  v1::AddOverrideRequest req;
  cli::FillSubjects(f, req.mutable_subjects());
  req.set_decision(f.Has("deny") ? v1::DECISION_DENY : v1::DECISION_ALLOW);
  std::optional<std::string> reason = f.Get("reason");
  if (!reason) {
    return UsageError(kCommand, "--reason TEXT is required: say why (it is kept and listed)");
  }
  req.set_reason(*reason);
  if (std::optional<std::string> days = f.Get("expires-days")) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(*days, &n) || n == 0) {
      return UsageError(kCommand,
                        absl::StrCat("--expires-days: '", *days, "' is not a number of days >= 1"));
    }
    req.set_expires_days(n);
  }
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::Override resp;
  if (grpc::Status st = call.stub->AddOverride(&ctx, req, &resp); !st.ok()) {
    return RpcError(kCommand, call.flags, st);
  }
  if (f.Has("json")) {
    std::printf("%s\n", OverrideJson(resp).c_str());
  } else {
    std::printf("override %llu added on this node only: %s checks naming %s (expires %s)\n",
                static_cast<unsigned long long>(resp.id()), DecisionName(resp.decision()).c_str(),
                Types(resp).c_str(), Day(resp.expires_day()).c_str());
  }
  return 0;
}

int RunOverrideList(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "override list";
  std::variant<Connected, int> c = Connect(kCommand, args, {}, {"json"});
  if (std::holds_alternative<int>(c)) {
    return std::get<int>(c);
  }
  Connected& call = std::get<Connected>(c);
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::ListOverridesResponse resp;
  if (grpc::Status st = call.stub->ListOverrides(&ctx, {}, &resp); !st.ok()) {
    return RpcError(kCommand, call.flags, st);
  }
  std::vector<std::string> items;
  for (const v1::Override& o : resp.overrides()) {
    items.push_back(call.flags.Has("json") ? OverrideJson(o) : OverrideLine(o));
  }
  if (call.flags.Has("json")) {
    std::printf("[%s]\n", absl::StrJoin(items, ", ").c_str());
  } else if (items.empty()) {
    std::printf("no local overrides on this node\n");
  } else {
    std::printf("ID  DECISION  SUBJECTS  EXPIRES  BY  REASON\n%s\n",
                absl::StrJoin(items, "\n").c_str());
  }
  return 0;
}

int RunOverrideRemove(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "override remove";
  std::variant<Connected, int> c = Connect(kCommand, args, {}, {}, /*max_positional=*/1);
  if (std::holds_alternative<int>(c)) {
    return std::get<int>(c);
  }
  Connected& call = std::get<Connected>(c);
  uint64_t id = 0;
  if (call.flags.positional.size() != 1 || !absl::SimpleAtoi(call.flags.positional[0], &id)) {
    return UsageError(kCommand,
                      "give the override's id: authnetctl override remove ID --node ADDR");
  }
  v1::RemoveOverrideRequest req;
  req.set_id(id);
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::Override resp;
  if (grpc::Status st = call.stub->RemoveOverride(&ctx, req, &resp); !st.ok()) {
    return RpcError(kCommand, call.flags, st);
  }
  std::printf("override %llu removed: checks it covered are decided by the model again\n",
              static_cast<unsigned long long>(resp.id()));
  return 0;
}

int RunUsage(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "usage";
  std::variant<Connected, int> c = Connect(kCommand, args, {"month"}, {"json"});
  if (std::holds_alternative<int>(c)) {
    return std::get<int>(c);
  }
  Connected& call = std::get<Connected>(c);
  v1::UsageRequest req;
  req.set_month(call.flags.Get("month").value_or(""));
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::UsageResponse resp;
  if (grpc::Status st = call.stub->Usage(&ctx, req, &resp); !st.ok()) {
    return RpcError(kCommand, call.flags, st);
  }
  const bool json = call.flags.Has("json");
  // The month's totals per client (DESIGN's "clients"), then its days.
  std::map<std::string, std::pair<uint64_t, uint64_t>> clients;
  std::vector<std::string> days;
  for (const v1::UsageRow& r : resp.rows()) {
    auto& [checks, reports] = clients[r.client()];
    checks += r.checks();
    reports += r.reports();
    days.push_back(
        json ? absl::StrCat("{\"day\": ", JsonQuote(r.day()),
                            ", \"client\": ", JsonQuote(r.client()), ", \"checks\": ", r.checks(),
                            ", \"reports\": ", r.reports(), "}")
             : absl::StrCat(r.day(), "  ", r.client(), "  ", r.checks(), "  ", r.reports()));
  }
  if (json) {
    std::vector<std::string> totals;
    for (const auto& [client, counts] : clients) {
      totals.push_back(absl::StrCat("{\"client\": ", JsonQuote(client), ", \"checks\": ",
                                    counts.first, ", \"reports\": ", counts.second, "}"));
    }
    std::printf("{\"month\": %s, \"replica\": %s, \"clients\": [%s], \"days\": [%s]}\n",
                JsonQuote(resp.month()).c_str(), JsonQuote(resp.replica()).c_str(),
                absl::StrJoin(totals, ", ").c_str(), absl::StrJoin(days, ", ").c_str());
    return 0;
  }
  uint64_t checks = 0;
  uint64_t reports = 0;
  for (const auto& [client, counts] : clients) {
    checks += counts.first;
    reports += counts.second;
  }
  std::printf("usage of %s on replica %s: %s, %s\n", resp.month().c_str(), resp.replica().c_str(),
              Counted(checks, "check").c_str(), Counted(reports, "report").c_str());
  if (!days.empty()) {
    std::printf("DAY  CLIENT  CHECKS  REPORTS\n%s\n", absl::StrJoin(days, "\n").c_str());
  }
  return 0;
}

}  // namespace authnet
