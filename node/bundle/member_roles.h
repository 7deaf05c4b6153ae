#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/records.pb.h"

namespace authnet {

// Member roles and the GS1 company prefixes of brands (docs/architecture.md §2): who
// may publish what.

// RoleOf is a member's role; a roster entry without one is a platform.
v1::MemberRole RoleOf(const v1::RosterMember& member);
// RoleName is "platform", "brand" or "observer".
std::string RoleName(v1::MemberRole role);
// ParseRole parses a RoleName; INVALID_ARGUMENT naming the three otherwise.
[[nodiscard]] absl::StatusOr<v1::MemberRole> ParseRole(absl::string_view text);

// RoleText is a member's role for people: "brand (prefixes 4006381,0950600)".
std::string RoleText(const v1::RosterMember& member);

// ParseCompanyPrefixes parses "4006381,0950600": each 4 to 12 digits (the
// GTIN-13 form: a UPC company prefix gets its leading 0), none twice.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ParseCompanyPrefixes(absl::string_view csv);

// ValidateRoles checks the roles of a roster body: known roles, company
// prefixes only on brands and well formed, and no prefix of one brand equal
// to or the start of another's (a GTIN belongs to at most one brand).
// INVALID_ARGUMENT naming the member.
[[nodiscard]] absl::Status ValidateRoles(const v1::RosterBody& body);

// BrandPrefixes finds which brand a GTIN belongs to. Immutable; thread-safe.
class BrandPrefixes {
 public:
  struct Owner {
    std::string member;
    std::string prefix;
  };
  BrandPrefixes() = default;
  // Of indexes the company prefixes of `body`'s brands, revoked ones too
  // (their records stop counting through trust, not through the index).
  static BrandPrefixes Of(const v1::RosterBody& body);

  // OwnerOf returns the brand and prefix of a normalized 14-digit GTIN
  // (its prefix is matched against digits 2..13, the GTIN-13 form), or
  // nullptr when no brand's prefix covers it.
  const Owner* OwnerOf(absl::string_view gtin14) const;
  bool empty() const { return by_prefix_.empty(); }
  // PrefixesOf lists `member`'s prefixes, sorted.
  std::vector<std::string> PrefixesOf(absl::string_view member) const;

 private:
  absl::flat_hash_map<std::string, Owner> by_prefix_;
};

}  // namespace authnet
