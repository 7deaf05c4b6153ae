#include "node/api/lifecycle_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/batch/lifecycle_rules.h"
#include "node/core/text_normalizer.h"

namespace authnet {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// UnitsOf collects the units a unit_* report names: its unit subject (from
// subjects.serial or subjects.gs1) and each of req.serials, under `gtin`.
absl::StatusOr<std::vector<NormalizedSubject>> UnitsOf(const v1::ReportRequest& req,
                                                       const NormalizedSubjects& normalized,
                                                       const std::string& gtin) {
  std::vector<NormalizedSubject> units;
  for (const NormalizedSubject& s : normalized.subjects) {
    if (s.type == v1::SUBJECT_TYPE_UNIT) {
      units.push_back(s);
    }
  }
  for (int i = 0; i < req.serials_size(); ++i) {
    absl::StatusOr<std::string> serial =
        NormalizeGs1Text(absl::StrCat("serials[", i, "]"), "21", req.serials(i));
    if (!serial.ok()) {
      return serial.status();
    }
    units.push_back({v1::SUBJECT_TYPE_UNIT, absl::StrCat(gtin, ":", *serial)});
  }
  if (units.empty()) {
    return Invalid("subjects.serial", absl::StrCat(SignalKindName(req.kind()),
                                                   " names units: give serial or serials"));
  }
  return units;
}

// GtinOf is the one GTIN a lifecycle report is about, after checking that
// it names nothing else.
absl::StatusOr<std::string> GtinOf(const v1::ReportRequest& req,
                                   const NormalizedSubjects& normalized) {
  const bool units = req.kind() != v1::SIGNAL_KIND_GTIN_SERIALIZED;
  std::string gtin;
  for (const NormalizedSubject& s : normalized.subjects) {
    bool allowed = units ? s.type == v1::SUBJECT_TYPE_UNIT || s.type == v1::SUBJECT_TYPE_GTIN
                         : s.type == v1::SUBJECT_TYPE_GTIN;
    if (!allowed) {
      return Invalid(absl::StrCat("subjects.", SubjectTypeName(s.type)),
                     absl::StrCat(SignalKindName(req.kind()), " takes ",
                                  units ? "gtin and serial (or serials)" : "gtin", " only"));
    }
    gtin = s.value.substr(0, 14);
  }
  if (gtin.empty()) {
    return Invalid("subjects.gtin", absl::StrCat(SignalKindName(req.kind()), " needs a gtin"));
  }
  if (!units && req.serials_size() > 0) {
    return Invalid("serials", "gtin_serialized names a GTIN, not units");
  }
  return gtin;
}

v1::Record NewRecord(const v1::ReportRequest& req, v1::SubjectType type, uint32_t epoch,
                     const DigestBytes& prefix, uint32_t today, uint32_t ttl_days) {
  v1::Record r;
  r.set_key_epoch(epoch);
  r.set_subject_type(type);
  r.set_kind(req.kind());
  r.set_weight_milli(1000);
  r.set_day(today);
  r.set_ttl_days(ttl_days);
  r.set_prefix_digest(prefix.data(), prefix.size());
  return r;
}

}  // namespace

absl::StatusOr<LifecycleReport> MakeLifecycleReport(const v1::ReportRequest& req,
                                                    const NormalizedSubjects& normalized,
                                                    const Publisher& self, const Digester& digester,
                                                    uint32_t today, uint32_t ttl_days) {
  if (self.role != v1::MEMBER_ROLE_BRAND) {
    return absl::PermissionDeniedError(absl::StrCat(
        "kind: ", SignalKindName(req.kind()), " is reported by brand members only, and ",
        self.member, " is a ", RoleName(self.role), " (the network admins set roles)"));
  }
  absl::StatusOr<std::string> gtin = GtinOf(req, normalized);
  if (!gtin.ok()) {
    return gtin.status();
  }
  const BrandPrefixes::Owner* owner = self.brands->OwnerOf(*gtin);
  if (owner == nullptr || owner->member != self.member) {
    return absl::PermissionDeniedError(
        absl::StrCat("subjects.gtin: not under the company prefixes the roster gives ", self.member,
                     " (", absl::StrJoin(self.brands->PrefixesOf(self.member), ","),
                     "): a brand reports the lifecycle of its own units only"));
  }
  const uint32_t epoch = digester.CurrentEpoch();
  const DigestBytes prefix =
      digester.MakeUnder(epoch, v1::SUBJECT_TYPE_COMPANY_PREFIX, owner->prefix);
  LifecycleReport out;
  if (req.kind() == v1::SIGNAL_KIND_GTIN_SERIALIZED) {
    v1::Record& r = out.records.emplace_back(
        NewRecord(req, v1::SUBJECT_TYPE_GTIN, epoch, prefix, today, ttl_days));
    DigestBytes d = digester.MakeUnder(epoch, v1::SUBJECT_TYPE_GTIN, *gtin);
    r.set_digest(d.data(), d.size());
    out.subjects.push_back({v1::SUBJECT_TYPE_GTIN, *gtin});
    return out;
  }
  absl::StatusOr<std::vector<NormalizedSubject>> units = UnitsOf(req, normalized, *gtin);
  if (!units.ok()) {
    return units.status();
  }
  out.subjects = *units;
  if (req.kind() == v1::SIGNAL_KIND_UNIT_DECOMMISSIONED) {
    for (const NormalizedSubject& u : *units) {
      v1::Record& r = out.records.emplace_back(
          NewRecord(req, v1::SUBJECT_TYPE_UNIT, epoch, prefix, today, ttl_days));
      DigestBytes d = digester.MakeUnder(epoch, v1::SUBJECT_TYPE_UNIT, u.value);
      r.set_digest(d.data(), d.size());
    }
    return out;
  }
  std::vector<std::string> keys;
  keys.reserve(units->size());
  for (const NormalizedSubject& u : *units) {
    DigestBytes d = digester.MakeUnder(epoch, v1::SUBJECT_TYPE_UNIT, u.value);
    keys.emplace_back(d.data(), kUnitKeyBytes);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (size_t i = 0; i < keys.size(); i += kMaxUnitKeys) {
    v1::Record& r = out.records.emplace_back(
        NewRecord(req, v1::SUBJECT_TYPE_UNIT, epoch, prefix, today, ttl_days));
    size_t end = std::min(keys.size(), i + kMaxUnitKeys);
    std::string packed;
    packed.reserve((end - i) * kUnitKeyBytes);
    for (size_t k = i; k < end; ++k) {
      packed.append(keys[k]);
    }
    r.set_unit_keys(std::move(packed));
  }
  return out;
}

}  // namespace authnet
