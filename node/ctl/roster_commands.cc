// authnetctl roster and network-key commands: push, refresh, sign, rotate
// the network key, change the admin set.
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <optional>
#include <set>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/file_names.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "node/core/flag_parser.h"
#include "node/ctl/admin_commands.h"
#include "node/ctl/cli_output.h"
#include "node/ctl/node_channel.h"
#include "node/ctl/passphrase.h"
#include "node/ctl/roster_signing.h"

namespace authnet {

using cli::Failure;
using cli::FailureOrUsage;
using cli::kExitOk;
using cli::kExitUsage;
using cli::kSigningFlags;
using cli::OpenForSigning;
using cli::Print;
using cli::Published;
using cli::RequiredFlag;
using cli::Usage;

int RunNetworkRotateKey(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "network rotate-key";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, kSigningFlags, {});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  std::variant<AdminDir, int> opened = OpenForSigning(kCommand, *dir, *flags);
  if (std::holds_alternative<int>(opened)) {
    return std::get<int>(opened);
  }
  AdminDir& admin = std::get<AdminDir>(opened);
  absl::StatusOr<Publication> published = admin.RotateKey();
  if (!published.ok()) {
    return Failure(kCommand, "rotating the network key", published.status());
  }
  Print(absl::StrCat("started network key epoch ",
                     admin.roster().NewestEpoch() + (published->complete ? 0 : 1),
                     ", sealed to every member not revoked; nodes digest new reports under it "
                     "once they adopt the roster, and keep checking older epochs while evidence "
                     "under them counts\n",
                     Published(*published, *dir)));
  return kExitOk;
}

int RunRosterSign(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "roster sign";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"dir", "key", "passphrase-file"}, {});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  std::optional<std::string> key_file = dir ? RequiredFlag(kCommand, *flags, "key") : std::nullopt;
  if (!dir || !key_file) {
    return kExitUsage;
  }
  absl::StatusOr<std::string> pem = ReadFile(*key_file);
  if (!pem.ok()) {
    return Failure(kCommand, absl::StrCat("reading ", *key_file), pem.status());
  }
  std::string passphrase;
  if (crypto::IsEncryptedPrivateKeyPem(*pem)) {
    absl::StatusOr<std::string> given =
        cli::PassphraseSource(flags->Get("passphrase-file"))(*key_file);
    if (!given.ok()) {
      return Failure(kCommand, absl::StrCat("reading ", *key_file), given.status());
    }
    passphrase = *std::move(given);
  }
  absl::StatusOr<crypto::Ed25519Key> key = crypto::Ed25519Key::FromPem(*pem, &passphrase);
  if (!key.ok()) {
    return Failure(kCommand, absl::StrCat("reading ", *key_file), key.status());
  }
  absl::StatusOr<AdminDir> admin = AdminDir::Open(*dir);
  if (!admin.ok()) {
    return Failure(kCommand, "opening the admin directory", admin.status());
  }
  std::string fingerprint = KeyFingerprint(key->PublicKey());
  // What is about to be signed, so a holder never signs blind.
  v1::SignedRoster proposal;
  v1::RosterBody proposed;
  if (absl::StatusOr<std::string> bytes =
          ReadFile(std::filesystem::path(*dir) / kRosterProposalFile);
      bytes.ok() && proposal.ParseFromString(*bytes) && proposed.ParseFromString(proposal.body())) {
    std::string what = absl::StrCat("roster version ", proposed.version(), " (now ",
                                    admin->roster().version(), ") changes:\n");
    for (const std::string& line : DescribeChange(admin->roster().body(), proposed)) {
      absl::StrAppend(&what, "  ", line, "\n");
    }
    Print(what);
  }
  admin->AddSigningKey(*std::move(key));
  absl::StatusOr<Publication> published = admin->SignProposal();
  if (!published.ok()) {
    return Failure(kCommand, absl::StrCat("signing with admin key ", fingerprint),
                   published.status());
  }
  Print(absl::StrCat("signed roster version ", published->version, " with admin key ", fingerprint,
                     "\n", Published(*published, *dir)));
  return kExitOk;
}

namespace {

// ListAdmins prints the admin set: threshold, fingerprint, each key.
int ListAdmins(absl::string_view command, const std::string& dir) {
  absl::StatusOr<AdminDir> admin = AdminDir::Open(dir);
  if (!admin.ok()) {
    return Failure(command, "opening the admin directory", admin.status());
  }
  AdminSet set = admin->roster().admins();
  std::string out = absl::StrCat(
      "roster version ", admin->roster().version(), ": ", set.threshold, " of ", set.keys.size(),
      " admin keys must sign the next roster; admin set ", AdminSetFingerprint(set), "\n");
  for (const std::string& key : set.keys) {
    absl::StrAppend(&out, "  ", KeyFingerprint(key), "\n");
  }
  Print(out);
  return kExitOk;
}

// WriteNewAdminKey writes a generated admin key to `path`, encrypted with
// the passphrase of --passphrase-file if given, and says so.
absl::StatusOr<std::string> WriteNewAdminKey(const crypto::Ed25519Key& key,
                                             const std::filesystem::path& path,
                                             const ParsedFlags& flags) {
  std::string passphrase;
  if (auto file = flags.Get("passphrase-file")) {
    absl::StatusOr<std::string> p = cli::ReadPassphraseFile(*file);
    if (!p.ok()) {
      return p.status();
    }
    passphrase = *std::move(p);
  }
  absl::StatusOr<std::string> pem = key.ToPem(&passphrase);
  if (!pem.ok()) {
    return pem.status();
  }
  if (absl::Status st = WriteFileAtomically(path, *pem, kSecretFileMode); !st.ok()) {
    return st;
  }
  return absl::StrCat("new admin key ", KeyFingerprint(key.PublicKey()), " in ", path.string(),
                      passphrase.empty() ? " (NOT encrypted)" : " (encrypted)",
                      ": move it to its holder\n");
}

}  // namespace

int RunNetworkAdmins(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "network admins";
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"dir", "remove", "threshold", "passphrase-file", "add-key"}, {"add"});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  uint32_t threshold = 0;
  if (auto v = flags->Get("threshold");
      v && (!absl::SimpleAtoi(*v, &threshold) || threshold == 0)) {
    return Usage(kCommand, "--threshold: must be a whole number of at least 1");
  }
  std::optional<std::string> add_key = flags->Get("add-key");
  std::optional<std::string> remove = flags->Get("remove");
  if (!flags->Has("add") && !add_key && !remove && threshold == 0) {
    return ListAdmins(kCommand, *dir);
  }
  std::vector<std::string> add;
  if (add_key) {
    absl::StatusOr<std::string> pem = ReadFile(*add_key);
    absl::StatusOr<std::string> pub = pem.ok() ? crypto::Ed25519PublicKeyFromPem(*pem)
                                               : absl::StatusOr<std::string>(pem.status());
    if (!pub.ok()) {
      return Usage(kCommand, absl::StrCat("--add-key ", *add_key, ": ", pub.status().message()));
    }
    add.push_back(*pub);
  }
  std::variant<AdminDir, int> opened = OpenForSigning(kCommand, *dir, *flags);
  if (std::holds_alternative<int>(opened)) {
    return std::get<int>(opened);
  }
  AdminDir& admin = std::get<AdminDir>(opened);
  std::string new_key_note;
  std::filesystem::path generated_path;
  if (flags->Has("add")) {
    // Written before the roster names it, so a roster never trusts a key
    // that was lost on the way; it joins the new set, so it signs too.
    absl::StatusOr<crypto::Ed25519Key> key = crypto::Ed25519Key::Generate();
    generated_path = admin.NextAdminKeyFile();
    absl::StatusOr<std::string> note = key.ok() ? WriteNewAdminKey(*key, generated_path, *flags)
                                                : absl::StatusOr<std::string>(key.status());
    if (!note.ok()) {
      return Failure(kCommand, "writing a new admin key", note.status());
    }
    new_key_note = *std::move(note);
    add.push_back(key->PublicKey());
    admin.AddSigningKey(*std::move(key));
  }
  absl::StatusOr<Publication> published = admin.ChangeAdmins(
      add, remove ? std::vector<std::string>{*remove} : std::vector<std::string>{}, threshold);
  if (!published.ok()) {
    if (!generated_path.empty()) {
      std::error_code ec;
      std::filesystem::remove(generated_path, ec);
    }
    return FailureOrUsage(kCommand, "changing the admin set", published.status());
  }
  Print(absl::StrCat(new_key_note,
                     "admin set changed in the next roster (it needs the current "
                     "set's threshold and the new set's)\n",
                     Published(*published, *dir)));
  return kExitOk;
}

int RunRosterPush(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "roster push";
  std::set<std::string> value_flags = kNodeFlags;
  value_flags.insert("dir");
  value_flags.insert("roster");
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
  // What is pushed: roster.pb, or the file --roster names; either must carry
  // the signatures the admin set requires (nodes refuse it otherwise).
  std::filesystem::path file = std::filesystem::path(*dir) / kRosterFile;
  if (std::optional<std::string> given = flags->Get("roster")) {
    file = *given;
  } else if (std::error_code ec;
             std::filesystem::exists(std::filesystem::path(*dir) / kRosterProposalFile, ec)) {
    file = std::filesystem::path(*dir) / kRosterProposalFile;
  }
  absl::StatusOr<std::string> bytes = ReadFile(file);
  v1::SignedRoster signed_roster;
  if (!bytes.ok() || !signed_roster.ParseFromString(*bytes)) {
    return Failure(kCommand, absl::StrCat("reading ", file.string()),
                   bytes.ok() ? absl::InvalidArgumentError("not a signed roster") : bytes.status());
  }
  if (absl::StatusOr<Roster> checked =
          Roster::Verify(signed_roster, admin->roster().admins(), admin->network());
      !checked.ok()) {
    return Failure(kCommand, absl::StrCat("refusing to push ", file.string()),
                   absl::FailedPreconditionError(
                       absl::StrCat(checked.status().message(),
                                    "; collect the signatures first: authnetctl roster sign --dir ",
                                    *dir, " --key admin-N.key")));
  }
  auto stub = v1::AdminService::NewStub(*channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::PushRosterRequest req;
  *req.mutable_roster() = signed_roster;
  v1::PushRosterResponse resp;
  grpc::Status st = stub->PushRoster(&ctx, req, &resp);
  if (!st.ok()) {
    return Failure(kCommand, absl::StrCat("pushing to ", *node),
                   absl::Status(static_cast<absl::StatusCode>(st.error_code()),
                                DescribeCallFailure(*flags, st)));
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

int RunRosterRefresh(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "roster refresh";
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"dir", "valid-days", "passphrase-file"}, {});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  int days = 365;
  if (auto v = flags->Get("valid-days");
      v && (!absl::SimpleAtoi(*v, &days) || days < 1 || days > 3650)) {
    return Usage(kCommand, "--valid-days: must be a whole number of days from 1 to 3650");
  }
  std::variant<AdminDir, int> opened = OpenForSigning(kCommand, *dir, *flags);
  if (std::holds_alternative<int>(opened)) {
    return std::get<int>(opened);
  }
  absl::StatusOr<Publication> published =
      std::get<AdminDir>(opened).RefreshRoster(absl::Hours(24 * days));
  if (!published.ok()) {
    return Failure(kCommand, "signing the roster", published.status());
  }
  Print(absl::StrCat("roster version ", published->version, " is valid for ", days, " days\n",
                     Published(*published, *dir)));
  return kExitOk;
}

}  // namespace authnet
