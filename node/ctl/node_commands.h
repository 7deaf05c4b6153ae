#pragma once

#include <string>
#include <vector>

namespace authnet {

// Ops commands against a running node's api listener (docs/architecture.md §4), with
// the same conventions as admin_commands.h.

// authnetctl status --node API_ADDR [--json]
int RunStatus(const std::vector<std::string>& args);
// authnetctl check --node API_ADDR [subject flags] [--json]
int RunCheck(const std::vector<std::string>& args);
// authnetctl report --node API_ADDR --kind KIND [subject flags] [--weight W] [--json]
int RunReport(const std::vector<std::string>& args);
// authnetctl retract --node API_ADDR --seq N [--count C] [--json]: retracts
// records this node's member reported (report prints their seq).
int RunRetract(const std::vector<std::string>& args);
// authnetctl alerts --node API_ADDR [--json] [--no-follow]: one line per
// supplier alert the node holds, then each new one until interrupted (or
// exit at once with --no-follow, saying so when the node holds none; with
// --json, one object a line and no line for none).
int RunAlerts(const std::vector<std::string>& args);

}  // namespace authnet
