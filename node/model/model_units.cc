// The model's side of the unit lifecycle (docs/architecture.md §3): folding brands'
// lifecycle records in and judging a check's units by them.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "node/core/log_text.h"
#include "node/model/model.h"

namespace authnet {

void Model::FoldLifecycle(uint16_t origin, const v1::Record& r, int sign) {
  uint32_t expire = r.day() + r.ttl_days();
  if (sign > 0) {
    if (expire <= clock_.Today()) {
      return;  // as in Fold: held and fingerprinted, never counted
    }
    uint32_t& last = epoch_expiry_[r.key_epoch()];
    last = std::max(last, expire);
  }
  lifecycle_.Apply(origin, r, expire, sign);
}

SubjectVerdict Model::EvaluateUnit(const UnitQuery& q, uint32_t today) const {
  SubjectVerdict v;
  auto it = origin_index_.find(q.brand);
  if (it == origin_index_.end()) {
    return v;
  }
  const OriginState& brand = origins_[it->second];
  if (!brand.brand || brand.trust <= 0) {
    return v;  // no longer a brand, or not active: what it said does not count
  }
  UnitLifecycle::Found found;
  for (const UnitQuery::Under& under : q.epochs) {
    lifecycle_.Find(it->second, under, today, &found);
  }
  v1::Reason r;
  r.set_subject_type(v1::SUBJECT_TYPE_UNIT);
  r.set_members(1);
  r.set_local(brand.id == self_);
  if (found.decommissioned != 0) {
    v.decision = v1::DECISION_DENY;
    v.risk = 1;
    v.adverse_origins.push_back(it->second);
    r.set_kind(v1::SIGNAL_KIND_UNIT_DECOMMISSIONED);
    r.set_code(ReasonCodeName(v1::REASON_CODE_DECOMMISSIONED));
    r.set_score(1);
    r.set_newest_age_days(today > found.decommissioned ? today - found.decommissioned : 0);
    r.set_summary(absl::StrCat("unit: decommissioned by its brand ", brand.id, ", ",
                               Counted(r.newest_age_days(), "day"), " ago"));
  } else if (found.commissioned != 0) {
    r.set_kind(v1::SIGNAL_KIND_UNIT_COMMISSIONED);
    r.set_code(ReasonCodeName(v1::REASON_CODE_COMMISSIONED));
    r.set_summary(absl::StrCat("unit: commissioned by its brand ", brand.id));
  } else if (found.serialized != 0) {
    v.decision = options_.not_commissioned_decision;
    v.risk = v.decision == v1::DECISION_DENY ? options_.deny_risk : options_.review_risk;
    r.set_kind(v1::SIGNAL_KIND_GTIN_SERIALIZED);
    r.set_code(ReasonCodeName(v1::REASON_CODE_NOT_COMMISSIONED));
    r.set_score(options_.review_risk);
    r.set_newest_age_days(today > found.serialized ? today - found.serialized : 0);
    r.set_summary(absl::StrCat("unit: not commissioned by its brand ", brand.id,
                               ", which serialized this GTIN"));
  } else {
    return v;
  }
  v.reasons.push_back(std::move(r));
  return v;
}

std::vector<UnitQuery> DigestUnits(const std::vector<NormalizedSubject>& subjects,
                                   const Digester& digester, const std::vector<uint32_t>& live,
                                   const BrandPrefixes& brands) {
  std::vector<UnitQuery> out;
  if (brands.empty()) {
    return out;
  }
  for (const NormalizedSubject& s : subjects) {
    if (s.type != v1::SUBJECT_TYPE_UNIT) {
      continue;
    }
    // A unit's value is "GTIN-14:serial" (subject_normalizer.h).
    absl::string_view gtin = absl::string_view(s.value).substr(0, 14);
    const BrandPrefixes::Owner* owner = brands.OwnerOf(gtin);
    if (owner == nullptr) {
      continue;
    }
    UnitQuery& q = out.emplace_back();
    q.brand = owner->member;
    for (uint32_t epoch : live) {
      q.epochs.push_back(
          {digester.MakeUnder(epoch, v1::SUBJECT_TYPE_UNIT, s.value),
           digester.MakeUnder(epoch, v1::SUBJECT_TYPE_GTIN, gtin),
           digester.MakeUnder(epoch, v1::SUBJECT_TYPE_COMPANY_PREFIX, owner->prefix)});
    }
  }
  return out;
}

}  // namespace authnet
