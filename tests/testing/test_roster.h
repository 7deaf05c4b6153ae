#pragma once

#include <string>
#include <vector>

#include "node/bundle/roster.h"

namespace authnet::testing {

// RosterEntry describes one member of a test roster.
struct RosterEntry {
  std::string id;
  double trust = 1.0;
  v1::MemberStatus status = v1::MEMBER_STATUS_ACTIVE;
  v1::MemberRole role = v1::MEMBER_ROLE_PLATFORM;
  std::vector<std::string> prefixes;  // a brand's company prefixes
};

// MakeRoster returns a roster of `members` signed by a fresh admin key and
// verified, as a node would hold it. Fails the test on error.
Roster MakeRoster(const std::string& network, const std::vector<RosterEntry>& members,
                  uint64_t version = 1);

}  // namespace authnet::testing
