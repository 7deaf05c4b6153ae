#include "node/ctl/member_commands.h"

#include "absl/strings/str_cat.h"
#include "node/bundle/enrollment.h"
#include "node/core/flag_parser.h"
#include "node/ctl/cli_output.h"

namespace authnet {

using cli::Failure;
using cli::FailureOrUsage;
using cli::kExitOk;
using cli::kExitUsage;
using cli::Print;
using cli::RequiredFlag;
using cli::Usage;

int RunMemberKeygen(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member keygen";
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"network", "endpoint", "out"}, {"renew"}, /*max_positional=*/1);
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> out = RequiredFlag(kCommand, *flags, "out");
  if (!out) {
    return kExitUsage;
  }
  if (flags->Has("renew")) {
    absl::StatusOr<v1::EnrollRequest> request =
        RenewRequest(*out, flags->Get("endpoint").value_or(""));
    if (!request.ok()) {
      return FailureOrUsage(kCommand, absl::StrCat("making a renewal request from ", *out),
                            request.status());
    }
    Print(absl::StrCat("wrote ", *out,
                       "/enroll-request.pb for the keys the bundle holds (public "
                       "parts only)\n",
                       "next: send it to the network admins; they run: authnetctl member renew ID "
                       "--dir ADMIN_DIR --request enroll-request.pb --out ENROLL_DIR\n"));
    return kExitOk;
  }
  if (flags->positional.size() != 1) {
    return Usage(kCommand,
                 "give the member id: authnetctl member keygen ID --network NAME --endpoint "
                 "HOST:PORT --out BUNDLE_DIR");
  }
  const std::string& id = flags->positional[0];
  std::optional<std::string> network = RequiredFlag(kCommand, *flags, "network");
  std::optional<std::string> endpoint =
      network ? RequiredFlag(kCommand, *flags, "endpoint") : std::nullopt;
  if (!network || !endpoint) {
    return kExitUsage;
  }
  absl::StatusOr<v1::EnrollRequest> request = GenerateMemberKeys(*out, *network, id, *endpoint);
  if (!request.ok()) {
    return FailureOrUsage(kCommand, absl::StrCat("generating keys in ", *out), request.status());
  }
  Print(absl::StrCat(
      "generated member \"", id, "\"'s keys in ", *out, ":\n",
      "  node.key           TLS private key (secret, mode 0600)\n",
      "  signing.key        Ed25519 key that signs your records (secret, mode 0600)\n",
      "  sealing.key        X25519 key the network keys are sealed to (secret, mode 0600)\n",
      "  enroll-request.pb  public parts only, signed by signing.key\n",
      "they never leave this machine. next: send enroll-request.pb to the network admins of \"",
      *network, "\";\n", "  they run: authnetctl member add ", id,
      " --dir ADMIN_DIR --request enroll-request.pb --out ENROLL_DIR\n",
      "  and send ENROLL_DIR back; then: authnetctl member install --bundle ", *out,
      " --from ENROLL_DIR\n"));
  return kExitOk;
}

int RunMemberInstall(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member install";
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"bundle", "from", "admin-set"}, {});
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  std::optional<std::string> bundle = RequiredFlag(kCommand, *flags, "bundle");
  std::optional<std::string> from = bundle ? RequiredFlag(kCommand, *flags, "from") : std::nullopt;
  if (!bundle || !from) {
    return kExitUsage;
  }
  std::optional<std::string> expected = flags->Get("admin-set");
  absl::StatusOr<Installed> installed = InstallEnrollment(*bundle, *from, expected.value_or(""));
  if (!installed.ok()) {
    return Failure(kCommand, absl::StrCat("installing ", *from, " into ", *bundle),
                   installed.status());
  }
  Print(absl::StrCat(
      "installed the enrollment into ", *bundle,
      ": node.crt, ca.crt, admin.pub and roster.pb (version ", installed->roster_version,
      ") match this bundle's keys\n", "admin set ", installed->admin_set,
      expected ? " (as expected)"
               : ": compare it with the one the network admins published (or "
                 "give --admin-set FP)",
      "\n", "start the node: authnetd --bundle ", *bundle,
      " --data DATA_DIR --peer-listen HOST:PORT --api-listen "
      "unix:/run/authnet/api.sock\n",
      "(a node already running from ", *bundle, " picks the new files up without a restart)\n"));
  return kExitOk;
}

}  // namespace authnet
