#include "node/batch/lifecycle_rules.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "node/bundle/member_roles.h"
#include "node/core/subject_normalizer.h"

namespace authnet {
namespace {

v1::SubjectType SubjectTypeOf(int kind) {
  return kind == v1::SIGNAL_KIND_GTIN_SERIALIZED ? v1::SUBJECT_TYPE_GTIN : v1::SUBJECT_TYPE_UNIT;
}

absl::Status CheckUnitKeys(const std::string& keys) {
  if (keys.empty() || keys.size() % kUnitKeyBytes != 0 ||
      keys.size() / kUnitKeyBytes > static_cast<size_t>(kMaxUnitKeys)) {
    return absl::InvalidArgumentError(absl::StrCat("unit_keys is ", keys.size(),
                                                   " bytes, not 1 to ", kMaxUnitKeys, " keys of ",
                                                   kUnitKeyBytes, " bytes"));
  }
  for (size_t at = kUnitKeyBytes; at < keys.size(); at += kUnitKeyBytes) {
    if (std::memcmp(keys.data() + at - kUnitKeyBytes, keys.data() + at, kUnitKeyBytes) >= 0) {
      return absl::InvalidArgumentError("unit_keys are not strictly ascending");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckRecordFields(const v1::Record& r) {
  const bool commissioned = r.kind() == v1::SIGNAL_KIND_UNIT_COMMISSIONED;
  if (!IsLifecycleKind(r.kind())) {
    if (!r.prefix_digest().empty() || !r.unit_keys().empty()) {
      return absl::InvalidArgumentError(
          "prefix_digest and unit_keys belong to lifecycle records only");
    }
  } else {
    if (r.prefix_digest().size() != 32) {
      return absl::InvalidArgumentError("a lifecycle record's prefix_digest is not 32 bytes");
    }
    if (r.subject_type() != SubjectTypeOf(r.kind())) {
      return absl::InvalidArgumentError(absl::StrCat(
          SignalKindName(r.kind()), " is about a ", SubjectTypeName(SubjectTypeOf(r.kind())),
          ", not a ", SubjectTypeName(r.subject_type())));
    }
  }
  if (commissioned) {
    // A retraction of one repeats its unit_keys, as it repeats every field.
    if (!r.digest().empty()) {
      return absl::InvalidArgumentError(
          "a unit_commissioned record carries unit_keys, not a digest");
    }
    return CheckUnitKeys(r.unit_keys());
  }
  if (r.digest().size() != 32) {
    return absl::InvalidArgumentError("digest is not 32 bytes");
  }
  if (!r.unit_keys().empty()) {
    return absl::InvalidArgumentError("unit_keys belong to unit_commissioned records only");
  }
  return absl::OkStatus();
}

absl::Status CheckPublisher(const v1::BatchBody& body, const Roster& roster,
                            const Digester& digester) {
  const v1::RosterMember* origin = roster.Find(body.origin());
  if (origin == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("batch origin ", body.origin(), " is not in the roster"));
  }
  const v1::MemberRole role = RoleOf(*origin);
  if (role == v1::MEMBER_ROLE_OBSERVER) {
    return absl::PermissionDeniedError(
        absl::StrCat("batch of ", body.origin(), ", an observer: observers publish nothing"));
  }
  // epoch -> the digests of the origin's company prefixes under it
  std::map<uint32_t, std::set<std::string>> allowed;
  for (const v1::Record& r : body.records()) {
    if (!IsLifecycleKind(r.kind())) {
      continue;
    }
    auto refuse = [&](absl::string_view why) {
      return absl::PermissionDeniedError(absl::StrCat("batch of ", body.origin(), ": record ",
                                                      r.seq(), " (", SignalKindName(r.kind()),
                                                      "): ", why));
    };
    if (role != v1::MEMBER_ROLE_BRAND) {
      return refuse(absl::StrCat("only brands report the lifecycle of units, and ", body.origin(),
                                 " is a ", RoleName(role)));
    }
    const std::vector<uint32_t>& held = digester.Epochs();
    if (!std::binary_search(held.begin(), held.end(), r.key_epoch())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "batch of ", body.origin(), ": record ", r.seq(), " is under network key epoch ",
          r.key_epoch(), ", which this node does not hold yet"));
    }
    auto [it, fresh] = allowed.try_emplace(r.key_epoch());
    if (fresh) {
      for (const std::string& prefix : origin->company_prefixes()) {
        DigestBytes d = digester.MakeUnder(r.key_epoch(), v1::SUBJECT_TYPE_COMPANY_PREFIX, prefix);
        it->second.emplace(d.data(), d.size());
      }
    }
    if (!it->second.contains(r.prefix_digest())) {
      return refuse(absl::StrCat("its GTIN is not under the company prefixes the roster gives ",
                                 body.origin()));
    }
  }
  return absl::OkStatus();
}

}  // namespace authnet
