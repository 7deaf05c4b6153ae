#pragma once

#include <string>
#include <vector>

namespace authnet {

// Commands for what a node keeps for itself alone (docs/architecture.md §4): local
// overrides and usage metering. Admin calls: on a remote api listener they
// need an admin token. Exit status: 0 done, 1 failed, 2 bad input.

// authnetctl override add --node ADDR --allow|--deny [subject flags]
//   --reason TEXT [--expires-days N] [--json]
int RunOverrideAdd(const std::vector<std::string>& args);
// authnetctl override list --node ADDR [--json]
int RunOverrideList(const std::vector<std::string>& args);
// authnetctl override remove ID --node ADDR
int RunOverrideRemove(const std::vector<std::string>& args);
// authnetctl usage --node ADDR [--month YYYY-MM] [--json]
int RunUsage(const std::vector<std::string>& args);

}  // namespace authnet
