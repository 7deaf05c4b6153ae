#include "node/model/subject_verdict.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/core/log_text.h"
#include "node/core/subject_normalizer.h"

namespace authnet {

double ReputationRate(double adverse, double passed, const ModelOptions& o) {
  return (adverse + o.reputation_prior_bad) /
         (adverse + passed + o.reputation_prior_bad + o.reputation_prior_good);
}

namespace {

// How strongly each kind of evidence says "counterfeit" about an item.
constexpr std::array<double, kSignalKinds> kItemStrength = {
    0,    // unspecified
    1.0,  // counterfeit_confirmed
    0.4,  // counterfeit_suspected
    0.6,  // verification_failed
    0,    // verification_passed
    0,    // unit_sold: clones are judged separately
    0.8,  // return_not_genuine
};

// How many adverse outcomes each kind counts as in a reputation.
constexpr std::array<double, kSignalKinds> kReputationBad = {
    0,    // unspecified
    3.0,  // counterfeit_confirmed: a proven fake weighs more than a failed check
    0.5,  // counterfeit_suspected
    1.0,  // verification_failed
    0,    // verification_passed
    0,    // unit_sold
    1.0,  // return_not_genuine
};

constexpr std::array<v1::SignalKind, 4> kAdverseKinds = {
    v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, v1::SIGNAL_KIND_RETURN_NOT_GENUINE,
    v1::SIGNAL_KIND_VERIFICATION_FAILED, v1::SIGNAL_KIND_COUNTERFEIT_SUSPECTED};

bool IsItem(v1::SubjectType type) {
  return type != v1::SUBJECT_TYPE_SUPPLIER && type != v1::SUBJECT_TYPE_SELLER;
}

v1::Decision Max(v1::Decision a, v1::Decision b) { return a > b ? a : b; }

// One reason per adverse kind present: members, newest age, summed score.
void AddKindReasons(v1::SubjectType type, std::span<const OriginEvidence> evidence, uint32_t today,
                    const std::array<double, kSignalKinds>& strength,
                    std::vector<v1::Reason>* reasons) {
  for (v1::SignalKind kind : kAdverseKinds) {
    v1::Reason r;
    uint32_t members = 0;
    uint32_t newest = 0;
    double score = 0;
    bool local = false;
    for (const OriginEvidence& e : evidence) {
      if (e.weight[kind] <= 0) {
        continue;
      }
      ++members;
      newest = std::max(newest, e.newest_day[kind]);
      score += strength[kind] * e.weight[kind];
      local = local || e.local;
    }
    if (members == 0) {
      continue;
    }
    r.set_subject_type(type);
    r.set_kind(kind);
    r.set_members(members);
    r.set_newest_age_days(today > newest ? today - newest : 0);
    r.set_score(score);
    r.set_local(local);
    r.set_code(std::string(SignalKindName(kind)));
    r.set_summary(absl::StrCat(SubjectTypeName(type), ": ", SignalKindName(kind), " by ",
                               Counted(members, "member"), local ? " (incl. this one)" : "",
                               ", newest ", Counted(r.newest_age_days(), "day"), " old"));
    reasons->push_back(std::move(r));
  }
}

SubjectVerdict EvaluateItem(v1::SubjectType type, std::span<const OriginEvidence> evidence,
                            uint32_t today, const ModelOptions& o) {
  SubjectVerdict v;
  double clean = 1;  // probability that no witness is right
  uint32_t witnesses = 0;  // members whose own capped score reaches member_min_score
  bool local_deny = false;
  uint32_t sales = 0;
  uint32_t sellers = 0;
  bool only_local_sales = true;
  uint32_t newest_sale = 0;
  for (const OriginEvidence& e : evidence) {
    double score = 0;
    for (v1::SignalKind kind : kAdverseKinds) {
      score += kItemStrength[kind] * e.weight[kind];
    }
    if (score > 0) {
      v.adverse_origins.push_back(e.origin);
      double capped = std::min(score, o.member_cap);
      clean *= 1 - capped;
      if (capped >= o.member_min_score) {
        ++witnesses;
      }
    }
    if (e.local && e.weight[v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED] >= o.local_deny_weight) {
      local_deny = true;
    }
    if (e.count[v1::SIGNAL_KIND_UNIT_SOLD] > 0 && e.weight[v1::SIGNAL_KIND_UNIT_SOLD] > 0) {
      sales += e.count[v1::SIGNAL_KIND_UNIT_SOLD];
      ++sellers;
      only_local_sales = only_local_sales && e.local;
      newest_sale = std::max(newest_sale, e.newest_day[v1::SIGNAL_KIND_UNIT_SOLD]);
    }
  }
  v.risk = 1 - clean;
  if (local_deny) {
    v.decision = v1::DECISION_DENY;
    v.risk = std::max(v.risk, o.deny_risk);
  } else if (witnesses >= o.deny_min_members && v.risk >= o.deny_risk) {
    v.decision = v1::DECISION_DENY;
  } else if (v.risk >= o.review_risk) {
    v.decision = v1::DECISION_REVIEW;
  }
  AddKindReasons(type, evidence, today, kItemStrength, &v.reasons);
  if ((type == v1::SUBJECT_TYPE_UNIT || type == v1::SUBJECT_TYPE_NFC_UID) &&
      (sellers >= 2 || sales > o.max_sales_per_unit)) {
    // Deny only as far as the k rule allows. The unit's genuine seller is
    // one of the sellers, so a network deny needs k more (a single member
    // inventing one sale of a genuine unit reaches review only), or every
    // sale being this member's own.
    bool may_deny = sellers > o.deny_min_members || only_local_sales;
    v1::Decision clone =
        o.clone_decision == v1::DECISION_DENY && may_deny ? v1::DECISION_DENY : v1::DECISION_REVIEW;
    v.decision = Max(v.decision, clone);
    v.risk = std::max(v.risk, clone == v1::DECISION_DENY ? o.deny_risk : o.review_risk);
    v1::Reason r;
    r.set_subject_type(type);
    r.set_kind(v1::SIGNAL_KIND_UNIT_SOLD);
    r.set_members(sellers);
    r.set_newest_age_days(today > newest_sale ? today - newest_sale : 0);
    r.set_score(sales);
    r.set_local(std::any_of(evidence.begin(), evidence.end(), [](const OriginEvidence& e) {
      return e.local && e.count[v1::SIGNAL_KIND_UNIT_SOLD] > 0;
    }));
    r.set_code(ReasonCodeName(v1::REASON_CODE_CLONE_SUSPECTED));
    r.set_summary(absl::StrCat(SubjectTypeName(type), ": clone_suspected, unit_sold ",
                               Counted(sales, "time"), " by ", Counted(sellers, "member"),
                               ", newest ", Counted(r.newest_age_days(), "day"), " old"));
    v.reasons.push_back(std::move(r));
  }
  return v;
}

SubjectVerdict EvaluateReputation(v1::SubjectType type, std::span<const OriginEvidence> evidence,
                                  uint32_t today, const ModelOptions& o) {
  SubjectVerdict v;
  struct Tally {
    double bad;
    double good;
    bool local;
  };
  std::vector<Tally> tallies;
  double bad = 0;
  double good = 0;
  for (const OriginEvidence& e : evidence) {
    double origin_bad = 0;
    for (v1::SignalKind kind : kAdverseKinds) {
      origin_bad += kReputationBad[kind] * e.weight[kind];
    }
    double origin_good = e.weight[v1::SIGNAL_KIND_VERIFICATION_PASSED];
    if (origin_bad > 0) {
      v.adverse_origins.push_back(e.origin);
    }
    bad += origin_bad;
    good += origin_good;
    tallies.push_back({origin_bad, origin_good, e.local});
  }
  if (bad <= 0) {
    return v;
  }
  double rate = ReputationRate(bad, good, o);
  v.risk = rate;
  // Decide on evidence where no other member weighs more than the k-th most
  // adverse member (k = deny_min_members): a member above it has all its
  // evidence scaled down to that size, keeping its own rate. So k - 1
  // members cannot push a supplier toward review or deny on other members'
  // nodes, however much they report. (A member flooding passes to shield a
  // supplier is not bounded this way.) This member's own evidence always
  // counts in full.
  std::sort(tallies.begin(), tallies.end(),
            [](const Tally& a, const Tally& b) { return a.bad > b.bad; });
  double kth = tallies.size() >= o.deny_min_members ? tallies[o.deny_min_members - 1].bad : 0;
  double kept_bad = 0;
  double kept_good = 0;
  for (const Tally& t : tallies) {
    double scale = !t.local && t.bad > kth ? kth / t.bad : 1.0;
    kept_bad += t.bad * scale;
    kept_good += t.good * scale;
  }
  double robust_rate = ReputationRate(kept_bad, kept_good, o);
  if (kept_bad > 0 && robust_rate >= o.reputation_deny_rate &&
      kept_bad + kept_good >= o.reputation_min_evidence) {
    v.decision = v1::DECISION_DENY;
  } else if (kept_bad > 0 && robust_rate >= o.reputation_review_rate) {
    v.decision = v1::DECISION_REVIEW;
  }
  AddKindReasons(type, evidence, today, kReputationBad, &v.reasons);
  v1::Reason r;
  r.set_subject_type(type);
  r.set_members(static_cast<uint32_t>(v.adverse_origins.size()));
  r.set_score(rate);
  r.set_local(std::all_of(tallies.begin(), tallies.end(),
                          [](const Tally& t) { return t.local || t.bad <= 0; }));
  r.set_code(ReasonCodeName(v1::REASON_CODE_REPUTATION));
  uint32_t newest = 0;
  for (const OriginEvidence& e : evidence) {
    for (uint32_t d : e.newest_day) {
      newest = std::max(newest, d);
    }
  }
  r.set_newest_age_days(today > newest ? today - newest : 0);
  r.set_summary(absl::StrFormat(
      "%s: reputation %.1f adverse vs %.1f passed by %s (smoothed rate %.2f), newest %s old",
      SubjectTypeName(type), bad, good, Counted(r.members(), "member"), rate,
      Counted(r.newest_age_days(), "day")));
  v.reasons.push_back(std::move(r));
  return v;
}

}  // namespace

double AdverseOutcomes(v1::SignalKind kind) {
  return kind > 0 && kind < kSignalKinds ? kReputationBad[kind] : 0;
}


SubjectVerdict EvaluateSubject(v1::SubjectType type, std::span<const OriginEvidence> evidence,
                               uint32_t today, const ModelOptions& options) {
  return IsItem(type) ? EvaluateItem(type, evidence, today, options)
                      : EvaluateReputation(type, evidence, today, options);
}

}  // namespace authnet
