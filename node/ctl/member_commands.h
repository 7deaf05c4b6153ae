#pragma once

#include <string>
#include <vector>

namespace authnet {

// Member-side enrollment commands (docs/architecture.md §4), run on the member's own
// machine: its private keys never leave BUNDLE_DIR. Exit status as
// admin_commands.h.

// authnetctl member keygen ID --network NAME --endpoint HOST:PORT --out BUNDLE_DIR
// authnetctl member keygen --renew --out BUNDLE_DIR [--endpoint HOST:PORT]
int RunMemberKeygen(const std::vector<std::string>& args);
// authnetctl member install --bundle BUNDLE_DIR --from ENROLL_DIR [--admin-set FP]
int RunMemberInstall(const std::vector<std::string>& args);

}  // namespace authnet
