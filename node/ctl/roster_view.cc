#include "node/ctl/roster_view.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "node/bundle/member_bundle.h"
#include "node/bundle/member_roles.h"
#include "node/core/flag_parser.h"
#include "node/core/json.h"
#include "node/core/log_text.h"
#include "node/ctl/cli_output.h"
#include "node/ctl/node_call.h"
#include "node/ctl/node_channel.h"

namespace authnet {

absl::string_view MemberStatusName(v1::MemberStatus status) {
  switch (status) {
    case v1::MEMBER_STATUS_ACTIVE:
      return "active";
    case v1::MEMBER_STATUS_SUSPENDED:
      return "suspended";
    case v1::MEMBER_STATUS_REVOKED:
      return "revoked";
    default:
      return "unspecified";
  }
}

std::string TrustText(uint32_t trust_milli) {
  std::string text = absl::StrFormat("%u.%03u", trust_milli / 1000, trust_milli % 1000);
  while (text.back() == '0' && text[text.size() - 2] != '.') {
    text.pop_back();
  }
  return text;
}

std::string MemberJson(const v1::RosterMember& m) {
  return absl::StrCat(
      "{\"id\": ", JsonQuote(m.id()), ", \"status\": ", JsonQuote(MemberStatusName(m.status())),
      ", \"endpoint\": ", JsonQuote(m.endpoint()), ", \"trust\": ", TrustText(m.trust_milli()),
      ", \"role\": ", JsonQuote(RoleName(RoleOf(m))), ", \"prefixes\": [",
      absl::StrJoin(m.company_prefixes(), ", ",
                    [](std::string* out, const std::string& p) { out->append(JsonQuote(p)); }),
      "]}");
}

std::string MemberTable(const std::vector<v1::RosterMember>& members) {
  if (members.empty()) {
    return "";
  }
  size_t id_width = 2;
  size_t status_width = 6;
  size_t endpoint_width = 8;
  for (const v1::RosterMember& m : members) {
    id_width = std::max(id_width, m.id().size());
    status_width = std::max(status_width, MemberStatusName(m.status()).size());
    endpoint_width = std::max(endpoint_width, m.endpoint().size());
  }
  auto row = [&](absl::string_view id, absl::string_view status, absl::string_view endpoint,
                 absl::string_view trust) {
    return absl::StrFormat("%-*s  %-*s  %-*s  %s\n", static_cast<int>(id_width), id,
                           static_cast<int>(status_width), status, static_cast<int>(endpoint_width),
                           endpoint, trust);
  };
  std::string table = row("ID", "STATUS", "ENDPOINT", "TRUST  ROLE");
  for (const v1::RosterMember& m : members) {
    absl::StrAppend(&table,
                    row(m.id(), MemberStatusName(m.status()), m.endpoint(),
                        absl::StrFormat("%-5s  %s", TrustText(m.trust_milli()), RoleText(m))));
  }
  return table;
}

namespace {

std::vector<uint32_t> Epochs(const v1::RosterBody& body) {
  std::vector<uint32_t> epochs;
  for (const v1::KeyEpoch& e : body.key_epochs()) {
    epochs.push_back(e.epoch());
  }
  return epochs;
}

}  // namespace

std::string RosterText(const Roster& roster, int64_t now_unix) {
  const v1::RosterBody& body = roster.body();
  std::string expiry = "never expires";
  if (body.expires_unix() != 0) {
    expiry = absl::StrCat(
        roster.Expired(now_unix) ? "EXPIRED " : "expires ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(body.expires_unix()),
                         absl::UTCTimeZone()));
  }
  const AdminSet admins = roster.admins();
  std::vector<uint32_t> epochs = Epochs(body);
  std::string out = absl::StrCat(
      "network \"", roster.network(), "\", roster version ", roster.version(), ", ", expiry, ", ",
      Counted(body.members_size(), "member"), "\n", "admin set ", AdminSetFingerprint(admins),
      " (a roster needs ", admins.threshold, " of its ", Counted(admins.keys.size(), "admin key"),
      "); network key epochs ", epochs.empty() ? "none" : absl::StrJoin(epochs, ", "), "\n");
  absl::StrAppend(&out, MemberTable({body.members().begin(), body.members().end()}));
  return out;
}

std::string RosterJson(const Roster& roster) {
  const v1::RosterBody& body = roster.body();
  const AdminSet admins = roster.admins();
  std::vector<std::string> members;
  for (const v1::RosterMember& m : body.members()) {
    members.push_back(MemberJson(m));
  }
  return absl::StrCat(
      "{\"network\": ", JsonQuote(roster.network()), ", \"version\": ", roster.version(),
      ", \"expires_unix\": ", body.expires_unix(),
      ", \"admin_set\": ", JsonQuote(AdminSetFingerprint(admins)),
      ", \"admin_threshold\": ", admins.threshold, ", \"admin_keys\": ", admins.keys.size(),
      ", \"key_epochs\": [", absl::StrJoin(Epochs(body), ", "), "], \"members\": [",
      absl::StrJoin(members, ", "), "]}");
}

namespace {

constexpr absl::string_view kCommand = "roster show";

// NodeRoster asks the node `flags` name for its roster and checks it
// against its own admin set (the node verified it against the set before
// it; this catches damage on the way). Prints the error and returns the
// exit status on failure.
std::variant<Roster, int> NodeRoster(const ParsedFlags& flags, const std::string& node) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = DialNode(flags);
  if (!channel.ok()) {
    return cli::Usage(kCommand, channel.status().message());
  }
  auto stub = v1::AdminService::NewStub(*channel);
  grpc::ClientContext ctx;
  cli::SetDeadline(&ctx);
  v1::ShowRosterResponse resp;
  if (grpc::Status st = stub->ShowRoster(&ctx, v1::ShowRosterRequest(), &resp); !st.ok()) {
    return cli::RpcError(kCommand, flags, st);
  }
  v1::RosterBody body;
  absl::StatusOr<Roster> roster =
      body.ParseFromString(resp.roster().body())
          ? Roster::VerifySelf(resp.roster(), body.network())
          : absl::StatusOr<Roster>(absl::DataLossError("not a roster body"));
  if (!roster.ok()) {
    return cli::Failure(kCommand, absl::StrCat("the roster node ", node, " sent does not verify"),
                        roster.status());
  }
  return *std::move(roster);
}

}  // namespace

int RunRosterShow(const std::vector<std::string>& args) {
  std::set<std::string> value_flags = kNodeFlags;
  value_flags.insert("bundle");
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, value_flags, {"json"});
  if (!flags.ok()) {
    return cli::Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> bundle = flags->Get("bundle");
  std::optional<std::string> node = flags->Get("node");
  if (bundle.has_value() == node.has_value()) {
    return cli::Usage(kCommand,
                      "give exactly one of --bundle BUNDLE_DIR (the roster a member's bundle "
                      "holds) or --node API_ADDR (the roster a running node holds)");
  }
  std::variant<Roster, int> roster = 0;
  if (bundle) {
    absl::StatusOr<Roster> loaded = MemberBundle::LoadRoster(*bundle);
    if (!loaded.ok()) {
      return cli::Failure(kCommand, "--bundle", loaded.status());
    }
    roster = *std::move(loaded);
  } else {
    roster = NodeRoster(*flags, *node);
  }
  if (std::holds_alternative<int>(roster)) {
    return std::get<int>(roster);
  }
  const Roster& shown = std::get<Roster>(roster);
  cli::Print(flags->Has("json") ? absl::StrCat(RosterJson(shown), "\n")
                                : RosterText(shown, absl::ToUnixSeconds(absl::Now())));
  return cli::kExitOk;
}

}  // namespace authnet
