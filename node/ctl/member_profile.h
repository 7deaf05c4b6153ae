#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/bundle/admin_dir.h"
#include "node/core/flag_parser.h"

namespace authnet {

// kProfileFlags are the flags of a member's profile: --trust W, --role
// platform|brand|observer, --prefixes P,... (GS1 company prefixes, brands).
inline const std::vector<std::string> kProfileFlags = {"trust", "role", "prefixes"};

// ParseMemberUpdate reads the profile flags `flags` holds; INVALID_ARGUMENT
// naming the flag at fault.
[[nodiscard]] absl::StatusOr<MemberUpdate> ParseMemberUpdate(const ParsedFlags& flags);

// ProfileOf is the profile of a new member: `update` over the defaults
// (trust 1, platform).
MemberProfile ProfileOf(const MemberUpdate& update);

// authnetctl member update ID --dir ADMIN_DIR [--role ROLE] [--prefixes P,...]
//   [--trust W] [--passphrase-file FILE]
// Exit status as admin_commands.h.
int RunMemberUpdate(const std::vector<std::string>& args);

}  // namespace authnet
