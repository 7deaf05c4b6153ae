#include "node/ctl/member_profile.h"

#include <cmath>
#include <set>
#include <variant>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "node/bundle/member_roles.h"
#include "node/ctl/cli_output.h"
#include "node/ctl/roster_signing.h"

namespace authnet {

using cli::FailureOrUsage;
using cli::kExitOk;
using cli::kExitUsage;
using cli::Print;
using cli::RequiredFlag;
using cli::Usage;

absl::StatusOr<MemberUpdate> ParseMemberUpdate(const ParsedFlags& flags) {
  MemberUpdate update;
  if (std::optional<std::string> text = flags.Get("trust")) {
    double trust = 0;
    if (!absl::SimpleAtod(*text, &trust) || !std::isfinite(trust) || trust < 0.0 || trust > 1.0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--trust: \"", *text, "\" is not a number from 0 to 1"));
    }
    update.trust = trust;
  }
  if (std::optional<std::string> text = flags.Get("role")) {
    absl::StatusOr<v1::MemberRole> role = ParseRole(*text);
    if (!role.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--role: ", role.status().message()));
    }
    update.role = *role;
  }
  if (std::optional<std::string> text = flags.Get("prefixes")) {
    absl::StatusOr<std::vector<std::string>> prefixes = ParseCompanyPrefixes(*text);
    if (!prefixes.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--prefixes: ", prefixes.status().message()));
    }
    update.company_prefixes = *std::move(prefixes);
  }
  return update;
}

MemberProfile ProfileOf(const MemberUpdate& update) {
  MemberProfile profile;
  profile.trust = update.trust.value_or(1.0);
  profile.role = update.role.value_or(v1::MEMBER_ROLE_PLATFORM);
  profile.company_prefixes = update.company_prefixes.value_or(std::vector<std::string>{});
  return profile;
}

int RunMemberUpdate(const std::vector<std::string>& args) {
  constexpr absl::string_view kCommand = "member update";
  std::set<std::string> value_flags = cli::kSigningFlags;
  value_flags.insert(kProfileFlags.begin(), kProfileFlags.end());
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, value_flags, {}, /*max_positional=*/1);
  if (!flags.ok()) {
    return Usage(kCommand, flags.status().message());
  }
  if (flags->positional.size() != 1) {
    return Usage(kCommand,
                 "give the member id: authnetctl member update ID --dir ADMIN_DIR [--role ROLE] "
                 "[--prefixes P,...] [--trust W]");
  }
  const std::string& id = flags->positional[0];
  std::optional<std::string> dir = RequiredFlag(kCommand, *flags, "dir");
  if (!dir) {
    return kExitUsage;
  }
  absl::StatusOr<MemberUpdate> update = ParseMemberUpdate(*flags);
  if (!update.ok()) {
    return Usage(kCommand, update.status().message());
  }
  if (!update->trust && !update->role && !update->company_prefixes) {
    return Usage(kCommand, "give what to change: --role ROLE, --prefixes P,... or --trust W");
  }
  std::variant<AdminDir, int> opened = cli::OpenForSigning(kCommand, *dir, *flags);
  if (std::holds_alternative<int>(opened)) {
    return std::get<int>(opened);
  }
  AdminDir& admin = std::get<AdminDir>(opened);
  absl::StatusOr<Publication> published = admin.UpdateMember(id, *update);
  if (!published.ok()) {
    return FailureOrUsage(kCommand, absl::StrCat("updating member \"", id, "\""),
                          published.status());
  }
  const v1::RosterMember* member = published->complete ? admin.roster().Find(id) : nullptr;
  Print(absl::StrCat("updated member \"", id, "\"",
                     member != nullptr ? absl::StrCat(": ", RoleText(*member), ", trust ",
                                                      member->trust_milli() / 1000.0)
                                       : std::string(),
                     "\n", cli::Published(*published, *dir)));
  return kExitOk;
}

}  // namespace authnet
