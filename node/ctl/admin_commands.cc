#include "node/ctl/admin_commands.h"

#include <grpcpp/grpcpp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "node/bundle/admin_dir.h"
#include "node/core/flag_parser.h"
#include "node/core/hex.h"
#include "node/core/json.h"
#include "node/ctl/node_channel.h"

namespace authnet {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Usage(absl::string_view command, absl::string_view what) {
  std::string line = absl::StrCat("authnetctl ", command, ": ", what, "\n");
  std::fputs(line.c_str(), stderr);
  return kExitUsage;
}

int Failure(absl::string_view command, absl::string_view what, const absl::Status& why) {
  std::string line = absl::StrCat("authnetctl ", command, ": ", what, ": ", why.message(), "\n");
  std::fputs(line.c_str(), stderr);
  return kExitFailure;
}

void Print(absl::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// RequiredFlag returns --name's value, or nullopt after printing the usage
// error.
std::optional<std::string> RequiredFlag(absl::string_view command, const ParsedFlags& flags,
                                        const std::string& name) {
  std::optional<std::string> value = flags.Get(name);
  if (!value || value->empty()) {
    Usage(command, absl::StrCat("--", name, " is required"));
    return std::nullopt;
  }
  return value;
}

absl::string_view StatusName(v1::MemberStatus status) {
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

// TrustText prints thousandths as a JSON number with at least one decimal:
// 1000 -> "1.0", 500 -> "0.5", 125 -> "0.125".
std::string TrustText(uint32_t trust_milli) {
  std::string text = absl::StrFormat("%u.%03u", trust_milli / 1000, trust_milli % 1000);
  while (text.back() == '0' && text[text.size() - 2] != '.') {
    text.pop_back();
  }
  return text;
}

// Exit code for a failed admin operation: a value the user typed that fails
// validation is bad usage, anything else an operational failure.
int FailureOrUsage(absl::string_view command, absl::string_view what, const absl::Status& why) {
  if (absl::IsInvalidArgument(why)) {
    return Usage(command, why.message());
  }
  return Failure(command, what, why);
}

}  // namespace

int RunNetworkInit(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "network init";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"network", "dir"}, {});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> network = RequiredFlag(kCommand, *flags, "network");
  if (!network) {
    return kExitUsage;
  }
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Init(*dir, *network);
  if (!admin.ok()) {
    return FailureOrUsage(kCommand, absl::StrCat("creating network in ", *dir), admin.status());
  }
  Print(absl::StrCat(
      "created network \"", admin->network(), "\" in ", *dir, ":\n",
      "  ca.crt        network CA certificate\n",
      "  ca.key        CA private key (secret, mode 0600)\n",
      "  admin.key     roster signing key (secret, mode 0600)\n",
      "  admin.pub     roster verification key\n",
      "  network.keys  network HMAC keys (secret, mode 0600)\n",
      "  roster.pb     signed roster, version ", admin->roster().version(), ", no members\n",
      "keep ", *dir, " private and backed up: it is the network's root of trust.\n",
      "next: authnetctl member add ID --dir ", *dir, " --endpoint HOST:PORT --out BUNDLE_DIR\n"));
  return kExitOk;
}

int RunMemberAdd(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member add";
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"dir", "endpoint", "out", "trust"}, {}, /*max_positional=*/1);
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  if (flags->positional.empty()) {
    return Usage(kCommand, "member ID is required (authnetctl member add ID --dir ...)");
  }
  const std::string& id = flags->positional[0];
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  std::optional<std::string> endpoint = RequiredFlag(kCommand, *flags, "endpoint");
  if (!endpoint) {
    return kExitUsage;
  }
  std::optional<std::string> out = RequiredFlag(kCommand, *flags, "out");
  if (!out) {
    return kExitUsage;
  }
  double trust = 1.0;
  if (std::optional<std::string> text = flags->Get("trust")) {
    if (!absl::SimpleAtod(*text, &trust) || !std::isfinite(trust) || trust < 0.0 || trust > 1.0) {
      return Usage(kCommand, absl::StrCat("--trust: \"", *text, "\" is not a number from 0 to 1"));
    }
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Open(*dir);
  if (!admin.ok()) {
    return Failure(kCommand, "opening the admin directory", admin.status());
  }
  absl::StatusOr<v1::RosterMember> member = admin->AddMember(id, *endpoint, trust, *out);
  if (!member.ok()) {
    return FailureOrUsage(kCommand, absl::StrCat("adding member \"", id, "\""), member.status());
  }
  Print(absl::StrCat("added member \"", member->id(), "\" to network \"", admin->network(),
                     "\" (roster version ", admin->roster().version(), ", trust ",
                     TrustText(member->trust_milli()), ")\n", "wrote its bundle to ", *out,
                     ": ca.crt node.crt node.key signing.key network.keys admin.pub roster.pb\n",
                     "it holds secrets: copy it to the member's host over a private channel.\n",
                     "start the node: authnetd --bundle ", *out, " --data DATA_DIR --peer-listen ",
                     *endpoint, " --api-listen unix:/run/authnet/api.sock\n",
                     "running members learn of \"", member->id(), "\" from roster version ",
                     admin->roster().version(), " in ", *dir, "/roster.pb\n"));
  return kExitOk;
}

int RunMemberList(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member list";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"dir"}, {"json"});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Open(*dir);
  if (!admin.ok()) {
    return Failure(kCommand, "opening the admin directory", admin.status());
  }
  std::vector<v1::RosterMember> members = admin->ListMembers();
  if (flags->Has("json")) {
    std::vector<std::string> items;
    for (const v1::RosterMember& m : members) {
      items.push_back(absl::StrCat("{\"id\": ", JsonQuote(m.id()),
                                   ", \"status\": ", JsonQuote(StatusName(m.status())),
                                   ", \"endpoint\": ", JsonQuote(m.endpoint()),
                                   ", \"trust\": ", TrustText(m.trust_milli()), "}"));
    }
    Print(absl::StrCat("[", absl::StrJoin(items, ", "), "]\n"));
    return kExitOk;
  }
  size_t id_width = 2;
  size_t status_width = 6;
  size_t endpoint_width = 8;
  for (const v1::RosterMember& m : members) {
    id_width = std::max(id_width, m.id().size());
    status_width = std::max(status_width, StatusName(m.status()).size());
    endpoint_width = std::max(endpoint_width, m.endpoint().size());
  }
  std::string table =
      absl::StrCat("network \"", admin->network(), "\", roster version ", admin->roster().version(),
                   ", ", members.size(), members.size() == 1 ? " member\n" : " members\n");
  if (!members.empty()) {
    auto row = [&](absl::string_view id, absl::string_view status, absl::string_view endpoint,
                   absl::string_view trust) {
      return absl::StrFormat("%-*s  %-*s  %-*s  %s\n", static_cast<int>(id_width), id,
                             static_cast<int>(status_width), status,
                             static_cast<int>(endpoint_width), endpoint, trust);
    };
    absl::StrAppend(&table, row("ID", "STATUS", "ENDPOINT", "TRUST"));
    for (const v1::RosterMember& m : members) {
      absl::StrAppend(
          &table, row(m.id(), StatusName(m.status()), m.endpoint(), TrustText(m.trust_milli())));
    }
  }
  Print(table);
  return kExitOk;
}

int RunMemberRevoke(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member revoke";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"dir"}, {}, 1);
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  if (flags->positional.size() != 1) {
    return Usage(kCommand,
                 "give the member id to revoke: authnetctl member revoke ID --dir ADMIN_DIR");
  }
  const std::string& id = flags->positional[0];
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Open(*dir);
  if (!admin.ok()) {
    return Failure(kCommand, "opening the admin directory", admin.status());
  }
  absl::StatusOr<bool> revoked = admin->RevokeMember(id);
  if (!revoked.ok()) {
    if (absl::IsNotFound(revoked.status())) {
      return Usage(kCommand, revoked.status().message());
    }
    return Failure(kCommand, absl::StrCat("revoking ", id), revoked.status());
  }
  if (!*revoked) {
    Print(absl::StrCat("member \"", id, "\" was already revoked (roster version ",
                       admin->roster().version(), ")\n"));
    return kExitOk;
  }
  Print(absl::StrCat("revoked member \"", id, "\": roster version ", admin->roster().version(),
                     " in ", *dir, "/roster.pb\n", "next: authnetctl roster push --dir ", *dir,
                     " --node API_ADDR (one node is enough; it passes the roster on)\n"));
  return kExitOk;
}

int RunRosterPush(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "roster push";
  std::set<std::string> value_flags = kNodeFlags;
  value_flags.insert("dir");
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, value_flags, {});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  std::optional<std::string> node = RequiredFlag(kCommand, *flags, "node");
  if (!node) {
    return kExitUsage;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = DialNode(*flags);
  if (!channel.ok()) {
    return Usage(kCommand, channel.status().message());
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Open(*dir);
  if (!admin.ok()) {
    return Failure(kCommand, "opening the admin directory", admin.status());
  }
  auto stub = v1::AdminService::NewStub(*channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::PushRosterRequest req;
  *req.mutable_roster() = admin->roster().signed_roster();
  v1::PushRosterResponse resp;
  grpc::Status st = stub->PushRoster(&ctx, req, &resp);
  if (!st.ok()) {
    std::string hint;
    if (st.error_code() == grpc::StatusCode::UNAVAILABLE ||
        st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      hint = absl::StrCat(" (is authnetd running with --api-listen ", *node, "?)");
    }
    return Failure(kCommand, absl::StrCat("pushing to ", *node),
                   absl::Status(static_cast<absl::StatusCode>(st.error_code()),
                                absl::StrCat(st.error_message(), hint)));
  }
  if (resp.adopted()) {
    Print(absl::StrCat("node ", *node, " adopted roster version ", resp.version(),
                       "; it passes it on to its peers\n"));
  } else {
    Print(absl::StrCat("node ", *node, " already holds roster version ", resp.version(),
                       " (pushed: ", admin->roster().version(), "); nothing changed\n"));
  }
  return kExitOk;
}

int RunMemberRenew(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member renew";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"dir", "out"}, {}, 1);
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  if (flags->positional.size() != 1) {
    return Usage(kCommand,
                 "give the member id: authnetctl member renew ID --dir ADMIN_DIR --out BUNDLE_DIR");
  }
  const std::string& id = flags->positional[0];
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  std::optional<std::string> out = dir ? RequiredFlag(kCommand, *flags, "out") : std::nullopt;
  if (!dir || !out) {
    return kExitUsage;
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Open(*dir);
  if (!admin.ok()) {
    return Failure(kCommand, "opening the admin directory", admin.status());
  }
  absl::StatusOr<v1::RosterMember> renewed = admin->RenewMember(id, *out);
  if (!renewed.ok()) {
    if (absl::IsNotFound(renewed.status())) {
      return Usage(kCommand, renewed.status().message());
    }
    return Failure(kCommand, absl::StrCat("renewing ", id), renewed.status());
  }
  Print(absl::StrCat(
      "renewed member \"", id, "\": new certificate ", HexEncode(renewed->cert_sha256()).substr(0, 16),
      "... in ", *out, "/node.crt and node.key; roster version ", admin->roster().version(),
      " accepts it and the previous one\n",
      "a node running from ", *out, " picks up the new files within its reload interval (no "
      "restart) and passes the roster on;\n",
      "if the node runs from a copy of the bundle, copy node.crt, node.key and roster.pb there, "
      "or run: authnetctl roster push --dir ", *dir, " --node API_ADDR\n"));
  return kExitOk;
}

int RunRosterRefresh(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "roster refresh";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"dir", "valid-days"}, {});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  int days = 365;
  if (auto v = flags->Get("valid-days"); v && (!absl::SimpleAtoi(*v, &days) || days < 1 ||
                                                days > 3650)) {
    return Usage(kCommand, "--valid-days: must be a whole number of days from 1 to 3650");
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Open(*dir);
  if (!admin.ok()) {
    return Failure(kCommand, "opening the admin directory", admin.status());
  }
  absl::StatusOr<uint64_t> version = admin->RefreshRoster(absl::Hours(24 * days));
  if (!version.ok()) {
    return Failure(kCommand, "signing the roster", version.status());
  }
  Print(absl::StrCat("signed roster version ", *version, ", valid for ", days, " days\n",
                     "next: authnetctl roster push --dir ", *dir, " --node API_ADDR\n"));
  return kExitOk;
}

}  // namespace authnet
