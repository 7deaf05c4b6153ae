#include "node/ctl/roster_signing.h"

#include "absl/strings/str_cat.h"
#include "node/bundle/file_names.h"
#include "node/ctl/cli_output.h"
#include "node/ctl/passphrase.h"

namespace authnet::cli {
// OpenForSigning opens the admin directory and loads the admin keys found
// in it (--passphrase-file, or a prompt, for encrypted ones). Returns the
// exit status on failure after printing why.
std::variant<AdminDir, int> OpenForSigning(absl::string_view command, const std::string& dir,
                                           const ParsedFlags& flags) {
  absl::StatusOr<AdminDir> admin = AdminDir::Open(dir);
  if (!admin.ok()) {
    return Failure(command, "opening the admin directory", admin.status());
  }
  absl::StatusOr<int> keys =
      admin->LoadSigningKeys(cli::PassphraseSource(flags.Get("passphrase-file")));
  if (!keys.ok()) {
    return Failure(command, "reading the admin keys", keys.status());
  }
  return *std::move(admin);
}

// Published says what a roster change produced and what to run next.
std::string Published(const Publication& p, const std::string& dir) {
  if (p.complete) {
    return absl::StrCat("roster version ", p.version, " in ", dir, "/roster.pb (", p.signatures,
                        " of ", p.needed, " admin signatures needed)\n",
                        "next: authnetctl roster push --dir ", dir,
                        " --node API_ADDR (one node is enough; it passes the roster on)\n");
  }
  return absl::StrCat("roster version ", p.version, " waits for admin signatures: it has ",
                      p.signatures, " of the ", p.needed, " needed (", dir, "/",
                      kRosterProposalFile, ")\n",
                      "next: each other admin runs: authnetctl roster sign --dir ", dir,
                      " --key admin-N.key; nodes refuse it until then\n");
}

}  // namespace authnet::cli
