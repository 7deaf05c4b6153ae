#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/roster.h"

namespace authnet {

// How authnetctl shows a roster and its members to a person or a script:
// `member list` (admin directory) and `roster show` (a member's bundle or a
// running node) print members the same way. Pure functions; thread-safe.

// MemberStatusName is "active", "suspended", "revoked" (or "unspecified").
absl::string_view MemberStatusName(v1::MemberStatus status);

// TrustText prints thousandths as a JSON number with at least one decimal:
// 1000 -> "1.0", 500 -> "0.5", 125 -> "0.125".
std::string TrustText(uint32_t trust_milli);

// MemberJson is one member as a JSON object: {"id", "status", "endpoint",
// "trust", "role", "prefixes"} (the shape `member list --json` pins).
std::string MemberJson(const v1::RosterMember& member);

// MemberTable is an aligned table of `members`, a header line
// "ID  STATUS  ENDPOINT  TRUST  ROLE" and one line each; "" for none.
std::string MemberTable(const std::vector<v1::RosterMember>& members);

// RosterText is `roster show`'s output for a person:
//   network "acme-net", roster version 4, expires 2027-01-12 10:00:00 UTC, 3 members
//   admin set 3f9c0e1b2a4d5e6f (a roster needs 1 of its 1 admin key); network key epochs 1
//   ID ... (MemberTable)
// `now_unix` marks an expiry that has passed ("EXPIRED 2025-...").
std::string RosterText(const Roster& roster, int64_t now_unix);

// RosterJson is `roster show --json`'s one line:
//   {"network": "...", "version": N, "expires_unix": N (0: never),
//    "admin_set": "16 hex digits", "admin_threshold": M, "admin_keys": N,
//    "key_epochs": [N, ...], "members": [MemberJson, ...]}
std::string RosterJson(const Roster& roster);

// authnetctl roster show --bundle BUNDLE_DIR [--json]
// authnetctl roster show --node API_ADDR [--ca F] [--server-name N] [--token-file F] [--json]
// Prints the roster a member's bundle holds, verified as authnetd verifies
// it at start (MemberBundle::LoadRoster), or the one a running node holds
// (AdminService.ShowRoster, an admin call), checked against its own admin
// set. Exit 0, 1 when the roster cannot be read or does not verify (one
// line naming the file and what to do), 2 on bad usage.
int RunRosterShow(const std::vector<std::string>& args);

}  // namespace authnet
