#pragma once

#include <string>
#include <vector>

namespace authnet {

// Api bearer token commands, on a node's data directory (the node picks up
// changes without a restart). Same conventions as admin_commands.h.

// authnetctl token create NAME --data DATA_DIR [--admin]
int RunTokenCreate(const std::vector<std::string>& args);
// authnetctl token revoke NAME --data DATA_DIR
int RunTokenRevoke(const std::vector<std::string>& args);
// authnetctl token list --data DATA_DIR [--json]
int RunTokenList(const std::vector<std::string>& args);

}  // namespace authnet
