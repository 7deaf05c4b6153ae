#pragma once

#include <set>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "node/bundle/admin_dir.h"
#include "node/core/flag_parser.h"

namespace authnet::cli {

// What every authnetctl command that signs a roster shares.

// OpenForSigning opens the admin directory and loads the admin keys found
// in it (--passphrase-file, or a prompt, for encrypted ones). Returns the
// exit status on failure after printing why.
std::variant<AdminDir, int> OpenForSigning(absl::string_view command, const std::string& dir,
                                           const ParsedFlags& flags);

// Published says what a roster change produced and what to run next.
std::string Published(const Publication& p, const std::string& dir);

// Switches and value flags every signing command takes.
inline const std::set<std::string> kSigningFlags = {"dir", "passphrase-file"};

}  // namespace authnet::cli
