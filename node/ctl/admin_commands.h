#pragma once

#include <string>
#include <vector>

namespace authnet {

// Network admin commands that work on an admin directory (DESIGN.md §4).
// `args` are the words after the subcommand, e.g. for
// `authnetctl member add acme --dir D ...` they are {"acme", "--dir", "D", ...}.
// Each prints what it did on stdout, errors on stderr in one line, and
// returns the exit status: 0 done, 1 operational failure, 2 bad usage.

// authnetctl network init --network NAME --dir ADMIN_DIR
int RunNetworkInit(const std::vector<std::string>& args);
// authnetctl member add ID --dir ADMIN_DIR --endpoint HOST:PORT --out BUNDLE_DIR [--trust W]
int RunMemberAdd(const std::vector<std::string>& args);
// authnetctl member list --dir ADMIN_DIR [--json]
int RunMemberList(const std::vector<std::string>& args);
// authnetctl member revoke ID --dir ADMIN_DIR
int RunMemberRevoke(const std::vector<std::string>& args);
// authnetctl member renew ID --dir ADMIN_DIR --out BUNDLE_DIR
int RunMemberRenew(const std::vector<std::string>& args);
// authnetctl roster push --dir ADMIN_DIR --node API_ADDR [--ca F] [--token-file F]
int RunRosterPush(const std::vector<std::string>& args);
// authnetctl roster refresh --dir ADMIN_DIR [--valid-days N]
int RunRosterRefresh(const std::vector<std::string>& args);

}  // namespace authnet
