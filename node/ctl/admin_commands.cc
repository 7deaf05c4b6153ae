#include "node/ctl/admin_commands.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/enrollment.h"
#include "node/bundle/file_names.h"
#include "node/bundle/member_roles.h"
#include "node/bundle/sealed_keys.h"
#include "node/core/flag_parser.h"
#include "node/core/log_text.h"
#include "node/ctl/cli_output.h"
#include "node/ctl/member_profile.h"
#include "node/ctl/passphrase.h"
#include "node/ctl/roster_signing.h"
#include "node/ctl/roster_view.h"

namespace authnet {
namespace {

using cli::kSigningFlags;
using cli::OpenForSigning;
using cli::Published;

using cli::Failure;
using cli::FailureOrUsage;
using cli::kExitFailure;
using cli::kExitOk;
using cli::kExitUsage;
using cli::Print;
using cli::RequiredFlag;
using cli::Usage;

}  // namespace

int RunNetworkInit(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "network init";
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"network", "dir", "admins", "threshold", "passphrase-file"}, {});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> network = RequiredFlag(kCommand, *flags, "network");
  std::optional<std::string> dir = network ? RequiredFlag(kCommand, *flags, "dir") : std::nullopt;
  if (!network || !dir) {
    return kExitUsage;
  }
  AdminInit init;
  if (auto v = flags->Get("admins"); v && !absl::SimpleAtoi(*v, &init.admins)) {
    return Usage(kCommand, absl::StrCat("--admins: \"", *v, "\" is not a whole number"));
  }
  if (auto v = flags->Get("threshold"); v && !absl::SimpleAtoi(*v, &init.threshold)) {
    return Usage(kCommand, absl::StrCat("--threshold: \"", *v, "\" is not a whole number"));
  }
  if (flags->Get("admins").has_value() != flags->Get("threshold").has_value()) {
    return Usage(kCommand, "give --admins N and --threshold M together (M of N admins sign)");
  }
  bool encrypted = false;
  bool prompted = false;
  std::optional<std::string> passphrase_file = flags->Get("passphrase-file");
  if (passphrase_file) {
    absl::StatusOr<std::string> passphrase = cli::ReadPassphraseFile(*passphrase_file);
    if (!passphrase.ok()) {
      return FailureOrUsage(kCommand, "reading the passphrase", passphrase.status());
    }
    encrypted = true;
    init.passphrase = [p = *passphrase](int) { return p; };
  } else {
    init.passphrase = [&](int index) -> absl::StatusOr<std::string> {
      absl::StatusOr<std::string> answer = cli::PromptPassphrase(
          absl::StrCat("passphrase for admin-", index, ".key (empty: unencrypted): "), true);
      if (absl::IsNotFound(answer.status())) {
        return std::string();
      }
      prompted = true;
      encrypted = encrypted || (answer.ok() && !answer->empty());
      return answer;
    };
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Init(*dir, *network, init);
  if (!admin.ok()) {
    return FailureOrUsage(kCommand, absl::StrCat("creating network in ", *dir), admin.status());
  }
  std::string key_files;
  for (int i = 1; i <= init.admins; ++i) {
    absl::StrAppend(&key_files, "  admin-", i, ".key", i < 10 ? "   " : "  ", "admin key ",
                    KeyFingerprint(admin->roster().admins().keys[i - 1]), " (secret, mode 0600)\n");
  }
  std::string encryption =
      encrypted
          ? "admin keys are encrypted with the passphrase given.\n"
          : absl::StrCat("admin keys are NOT encrypted (no passphrase", prompted ? "" : " given",
                         "): fine for a demo; in production use --passphrase-file or run "
                         "on a terminal.\n");
  Print(absl::StrCat(
      "created network \"", admin->network(), "\" in ", *dir, ":\n",
      "  ca.crt        network CA certificate\n",
      "  ca.key        CA private key (secret, mode 0600)\n", key_files,
      "  network.keys  network HMAC keys, epoch 1 (secret, mode 0600)\n",
      "  roster.pb     signed roster, version ", admin->roster().version(), ", no members; ",
      init.threshold, " of ", init.admins, " admin signatures make a roster valid\n", "admin set ",
      AdminSetFingerprint(admin->roster().admins()),
      ": publish it to the members; 'member install --admin-set' checks it\n", encryption,
      init.admins > 1 ? "move each admin-N.key to its holder; a holder signs with "
                        "'authnetctl roster sign --dir ADMIN_DIR --key admin-N.key'.\n"
                      : "",
      "keep ", *dir, " private and backed up: it is the network's root of trust.\n",
      "next (production): the member runs 'authnetctl member keygen ID --network ",
      admin->network(), " --endpoint HOST:PORT --out BUNDLE_DIR'\n",
      "  and sends BUNDLE_DIR/enroll-request.pb; then: authnetctl member add ID --dir ", *dir,
      " --request FILE --out ENROLL_DIR\n", "next (demo): authnetctl member add ID --dir ", *dir,
      " --endpoint HOST:PORT --out BUNDLE_DIR\n"));
  return kExitOk;
}

namespace {

// DemoAddedText says what `member add --endpoint` did: the admin made the
// member's keys, so the bundle at `out` holds secrets.
std::string DemoAddedText(const std::string& id, const AdminDir& admin,
                          const Publication& published, const std::string& trust_text,
                          const std::string& endpoint, const std::string& out,
                          const std::string& dir) {
  return absl::StrCat(
      "added member \"", id, "\" to network \"", admin.network(), "\" (trust ", trust_text,
      ") -- demo enrollment: the admin generated the member's private keys\n",
      "wrote its bundle to ", out,
      ": ca.crt node.crt node.key signing.key sealing.key admin.pub roster.pb\n",
      "it holds secrets: copy it to the member's host over a private channel (production: "
      "'member keygen' on the member's host, then 'member add --request').\n",
      "start the node: authnetd --bundle ", out, " --data DATA_DIR --peer-listen ", endpoint,
      " --api-listen unix:/run/authnet/api.sock\n", Published(published, dir));
}

// EnrolledText says what `member add --request` did and what the member
// does next with the public files at `out`.
std::string EnrolledText(const std::string& id, const AdminDir& admin, const Publication& published,
                         const std::string& trust_text, const std::string& request_file,
                         const std::string& out, const std::string& dir) {
  const v1::RosterMember* member = published.complete ? admin.roster().Find(id) : nullptr;
  return absl::StrCat(
      "enrolled member \"", id, "\" of network \"", admin.network(), "\" from ", request_file,
      " (trust ", trust_text, ", endpoint ",
      member != nullptr ? member->endpoint() : std::string("as requested"), ")\n", "wrote ", out,
      ": ", published.complete ? "roster.pb " : "", "node.crt ca.crt admin.pub ",
      "(public material only: send it to the member)\n",
      published.complete ? ""
                         : "roster.pb follows once the roster has its signatures: send "
                           "ADMIN_DIR/roster.pb then\n",
      "the member completes its bundle: authnetctl member install --bundle BUNDLE_DIR --from ", out,
      " --admin-set ", AdminSetFingerprint(admin.roster().admins()), "\n",
      Published(published, dir));
}

}  // namespace

int RunMemberAdd(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member add";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(
      args, {"dir", "endpoint", "request", "out", "trust", "role", "prefixes", "passphrase-file"},
      {}, /*max_positional=*/1);
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  if (flags->positional.empty()) {
    return Usage(kCommand,
                 "member ID is required (authnetctl member add ID --dir ADMIN_DIR --request FILE "
                 "--out ENROLL_DIR)");
  }
  const std::string& id = flags->positional[0];
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  std::optional<std::string> out = dir ? RequiredFlag(kCommand, *flags, "out") : std::nullopt;
  if (!dir || !out) {
    return kExitUsage;
  }
  std::optional<std::string> request_file = flags->Get("request");
  std::optional<std::string> endpoint = flags->Get("endpoint");
  if (request_file.has_value() == endpoint.has_value()) {
    return Usage(kCommand,
                 "give --request FILE (the member's enroll-request.pb, production) or --endpoint "
                 "HOST:PORT (demo: the admin generates the member's keys), not both");
  }
  absl::StatusOr<MemberUpdate> update = ParseMemberUpdate(*flags);
  if (!update.ok()) {
    return Usage(kCommand, update.status().message());
  }
  const MemberProfile profile = ProfileOf(*update);
  std::optional<v1::EnrollRequest> request;
  if (request_file) {
    absl::StatusOr<v1::EnrollRequest> read = ReadEnrollRequest(*request_file);
    if (!read.ok()) {
      return Failure(kCommand, "reading the request", read.status());
    }
    request = *std::move(read);
  }
  std::variant<AdminDir, int> opened = OpenForSigning(kCommand, *dir, *flags);
  if (std::holds_alternative<int>(opened)) {
    return std::get<int>(opened);
  }
  AdminDir& admin = std::get<AdminDir>(opened);
  absl::StatusOr<Publication> published =
      request ? admin.AddMemberFromRequest(id, *request, profile, *out)
              : admin.AddMember(id, *endpoint, profile, *out);
  if (!published.ok()) {
    return FailureOrUsage(kCommand, absl::StrCat("adding member \"", id, "\""), published.status());
  }
  std::string trust_text =
      absl::StrCat(TrustText(static_cast<uint32_t>(std::lround(profile.trust * 1000))), ", ",
                   RoleName(profile.role));
  Print(request ? EnrolledText(id, admin, *published, trust_text, *request_file, *out, *dir)
                : DemoAddedText(id, admin, *published, trust_text, *endpoint, *out, *dir));
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
      items.push_back(MemberJson(m));
    }
    Print(absl::StrCat("[", absl::StrJoin(items, ", "), "]\n"));
    return kExitOk;
  }
  Print(absl::StrCat("network \"", admin->network(), "\", roster version ",
                     admin->roster().version(), ", ", Counted(members.size(), "member"), "\n",
                     MemberTable(members)));
  return kExitOk;
}

int RunMemberRevoke(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member revoke";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, kSigningFlags, {"no-rotate"}, 1);
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
  std::variant<AdminDir, int> opened = OpenForSigning(kCommand, *dir, *flags);
  if (std::holds_alternative<int>(opened)) {
    return std::get<int>(opened);
  }
  AdminDir& admin = std::get<AdminDir>(opened);
  const bool rotate = !flags->Has("no-rotate");
  absl::StatusOr<std::optional<Publication>> revoked = admin.RevokeMember(id, rotate);
  if (!revoked.ok()) {
    if (absl::IsNotFound(revoked.status())) {
      return Usage(kCommand, revoked.status().message());
    }
    return Failure(kCommand, absl::StrCat("revoking ", id), revoked.status());
  }
  if (!revoked->has_value()) {
    Print(absl::StrCat("member \"", id, "\" was already revoked (roster version ",
                       admin.roster().version(), ")\n"));
    return kExitOk;
  }
  Print(absl::StrCat(
      "revoked member \"", id, "\"",
      rotate
          ? absl::StrCat("; started network key epoch ",
                         admin.roster().NewestEpoch() + ((*revoked)->complete ? 0 : 1),
                         ", sealed to the other members only (", id, " keeps the keys of its time)")
          : " (no key rotation: --no-rotate)",
      "\n", Published(**revoked, *dir)));
  return kExitOk;
}

int RunMemberRenew(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member renew";
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"dir", "out", "request", "passphrase-file"}, {"revoke-previous"}, 1);
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  if (flags->positional.size() != 1) {
    return Usage(kCommand,
                 "give the member id: authnetctl member renew ID --dir ADMIN_DIR --request FILE "
                 "--out ENROLL_DIR");
  }
  const std::string& id = flags->positional[0];
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  std::optional<std::string> request_file =
      dir ? RequiredFlag(kCommand, *flags, "request") : std::nullopt;
  std::optional<std::string> out =
      request_file ? RequiredFlag(kCommand, *flags, "out") : std::nullopt;
  if (!dir || !request_file || !out) {
    return kExitUsage;
  }
  absl::StatusOr<v1::EnrollRequest> request = ReadEnrollRequest(*request_file);
  if (!request.ok()) {
    return Failure(kCommand, "reading the request", request.status());
  }
  std::variant<AdminDir, int> opened = OpenForSigning(kCommand, *dir, *flags);
  if (std::holds_alternative<int>(opened)) {
    return std::get<int>(opened);
  }
  AdminDir& admin = std::get<AdminDir>(opened);
  const bool revoke_previous = flags->Has("revoke-previous");
  absl::StatusOr<Publication> renewed = admin.RenewMember(id, *request, *out, revoke_previous);
  if (!renewed.ok()) {
    if (absl::IsNotFound(renewed.status())) {
      return Usage(kCommand, renewed.status().message());
    }
    return FailureOrUsage(kCommand, absl::StrCat("renewing ", id), renewed.status());
  }
  Print(absl::StrCat(
      "renewed member \"", id, "\": new certificate in ", *out, "/node.crt; the roster ",
      revoke_previous ? "no longer accepts the previous certificate (--revoke-previous)"
                      : "still accepts the previous certificate until the next renewal",
      "\n", "send ", *out,
      " to the member; it runs: authnetctl member install --bundle BUNDLE_DIR --from ", *out,
      " (a running node picks the files up without a restart)\n", Published(*renewed, *dir)));
  return kExitOk;
}

}  // namespace authnet
