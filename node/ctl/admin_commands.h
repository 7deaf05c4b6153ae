#pragma once

#include <string>
#include <vector>

namespace authnet {

// Network admin commands that work on an admin directory (docs/architecture.md §4).
// `args` are the words after the subcommand, e.g. for
// `authnetctl member add acme --dir D ...` they are {"acme", "--dir", "D", ...}.
// Each prints what it did on stdout, errors on stderr in one line, and
// returns the exit status: 0 done, 1 operational failure, 2 bad usage.

// Commands that sign a roster use the admin-N.key files in ADMIN_DIR
// (--passphrase-file F, or a prompt on a terminal, for encrypted ones) and
// write roster.proposed.pb instead of roster.pb while fewer than the
// threshold of admin keys are at hand.

// authnetctl network init --network NAME --dir ADMIN_DIR [--admins N --threshold M]
//                         [--passphrase-file F]
int RunNetworkInit(const std::vector<std::string>& args);
// authnetctl network rotate-key --dir ADMIN_DIR
int RunNetworkRotateKey(const std::vector<std::string>& args);
// authnetctl network admins --dir ADMIN_DIR [--add | --add-key PUB] [--remove FP] [--threshold M]
int RunNetworkAdmins(const std::vector<std::string>& args);
// authnetctl member add ID --dir ADMIN_DIR (--request FILE | --endpoint HOST:PORT) --out DIR
//                       [--trust W]
int RunMemberAdd(const std::vector<std::string>& args);
// authnetctl member list --dir ADMIN_DIR [--json]
int RunMemberList(const std::vector<std::string>& args);
// authnetctl member revoke ID --dir ADMIN_DIR [--no-rotate]
int RunMemberRevoke(const std::vector<std::string>& args);
// authnetctl member renew ID --dir ADMIN_DIR --request FILE --out ENROLL_DIR [--revoke-previous]
int RunMemberRenew(const std::vector<std::string>& args);
// authnetctl roster push --dir ADMIN_DIR --node API_ADDR [--roster FILE] [--ca F] [--token-file F]
int RunRosterPush(const std::vector<std::string>& args);
// authnetctl roster refresh --dir ADMIN_DIR [--valid-days N]
int RunRosterRefresh(const std::vector<std::string>& args);
// authnetctl roster sign --dir ADMIN_DIR --key ADMIN_KEY_FILE [--passphrase-file F]
int RunRosterSign(const std::vector<std::string>& args);

}  // namespace authnet
