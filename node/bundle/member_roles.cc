#include "node/bundle/member_roles.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace authnet {
namespace {

constexpr size_t kMinPrefixDigits = 4;
constexpr size_t kMaxPrefixDigits = 12;

absl::Status CheckPrefix(absl::string_view prefix) {
  if (prefix.size() < kMinPrefixDigits || prefix.size() > kMaxPrefixDigits) {
    return absl::InvalidArgumentError(
        absl::StrCat("company prefix \"", prefix.substr(0, 16), "\" is ", prefix.size(),
                     " characters; GS1 company prefixes are ", kMinPrefixDigits, " to ",
                     kMaxPrefixDigits, " digits"));
  }
  for (char c : prefix) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("company prefix \"", prefix, "\" holds a non-digit"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

v1::MemberRole RoleOf(const v1::RosterMember& member) {
  return member.role() == v1::MEMBER_ROLE_UNSPECIFIED ? v1::MEMBER_ROLE_PLATFORM : member.role();
}

std::string RoleName(v1::MemberRole role) {
  switch (role) {
    case v1::MEMBER_ROLE_BRAND:
      return "brand";
    case v1::MEMBER_ROLE_OBSERVER:
      return "observer";
    default:
      return "platform";
  }
}

std::string RoleText(const v1::RosterMember& member) {
  std::string text = RoleName(RoleOf(member));
  if (member.company_prefixes_size() > 0) {
    absl::StrAppend(&text, " (prefixes ", absl::StrJoin(member.company_prefixes(), ","), ")");
  }
  return text;
}

absl::StatusOr<v1::MemberRole> ParseRole(absl::string_view text) {
  for (v1::MemberRole role :
       {v1::MEMBER_ROLE_PLATFORM, v1::MEMBER_ROLE_BRAND, v1::MEMBER_ROLE_OBSERVER}) {
    if (text == RoleName(role)) {
      return role;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("role \"", text.substr(0, 32), "\" is not one of platform, brand, observer"));
}

absl::StatusOr<std::vector<std::string>> ParseCompanyPrefixes(absl::string_view csv) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (absl::string_view part : absl::StrSplit(csv, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::Status s = CheckPrefix(part); !s.ok()) {
      return s;
    }
    if (!seen.insert(std::string(part)).second) {
      return absl::InvalidArgumentError(absl::StrCat("company prefix ", part, " is given twice"));
    }
    out.emplace_back(part);
  }
  return out;
}

absl::Status ValidateRoles(const v1::RosterBody& body) {
  // prefix -> the brand holding it
  std::vector<std::pair<std::string, std::string>> all;
  for (const v1::RosterMember& m : body.members()) {
    auto bad = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat("roster: member ", m.id(), ": ", what));
    };
    if (!v1::MemberRole_IsValid(m.role())) {
      return bad(absl::StrCat("role ", static_cast<int>(m.role()), " is unknown"));
    }
    if (RoleOf(m) != v1::MEMBER_ROLE_BRAND) {
      if (m.company_prefixes_size() > 0) {
        return bad(absl::StrCat("company prefixes belong to brands, and this member is a ",
                                RoleName(RoleOf(m))));
      }
      continue;
    }
    for (const std::string& p : m.company_prefixes()) {
      if (absl::Status s = CheckPrefix(p); !s.ok()) {
        return bad(s.message());
      }
      all.emplace_back(p, m.id());
    }
  }
  std::sort(all.begin(), all.end());
  // Sorted, a prefix that starts another sorts right before it (or before
  // a run of such): comparing neighbours finds every nesting.
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    const auto& [a, owner_a] = all[i];
    const auto& [b, owner_b] = all[i + 1];
    if (b.compare(0, a.size(), a) == 0) {
      std::string clash = a == b ? absl::StrCat("is also held by member ", owner_a)
                                 : absl::StrCat("lies within prefix ", a, " of member ", owner_a);
      return absl::InvalidArgumentError(absl::StrCat("roster: company prefix ", b, " of member ",
                                                     owner_b, " ", clash,
                                                     ": a GTIN must belong to one brand"));
    }
  }
  return absl::OkStatus();
}

BrandPrefixes BrandPrefixes::Of(const v1::RosterBody& body) {
  BrandPrefixes out;
  for (const v1::RosterMember& m : body.members()) {
    if (RoleOf(m) != v1::MEMBER_ROLE_BRAND) {
      continue;
    }
    for (const std::string& p : m.company_prefixes()) {
      out.by_prefix_.emplace(p, Owner{m.id(), p});
    }
  }
  return out;
}

std::vector<std::string> BrandPrefixes::PrefixesOf(absl::string_view member) const {
  std::vector<std::string> out;
  for (const auto& [prefix, owner] : by_prefix_) {
    if (owner.member == member) {
      out.push_back(prefix);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

const BrandPrefixes::Owner* BrandPrefixes::OwnerOf(absl::string_view gtin14) const {
  if (by_prefix_.empty() || gtin14.size() != 14) {
    return nullptr;
  }
  absl::string_view gtin13 = gtin14.substr(1);
  for (size_t len = kMinPrefixDigits; len <= kMaxPrefixDigits; ++len) {
    auto it = by_prefix_.find(gtin13.substr(0, len));
    if (it != by_prefix_.end()) {
      return &it->second;  // prefixes never nest (ValidateRoles): at most one matches
    }
  }
  return nullptr;
}

}  // namespace authnet
