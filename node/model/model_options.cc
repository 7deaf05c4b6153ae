#include "node/model/model_options.h"

#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

absl::Status InRange(absl::string_view name, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", v, " is outside [", lo, ", ", hi, "]"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ModelOptions::Validate() const {
  for (const absl::Status& st : {
           InRange("deny_min_members", deny_min_members, 1, 1000),
           InRange("half_life_days", half_life_days, 1, 36500),
           InRange("review_risk", review_risk, 0.01, 1),
           InRange("deny_risk", deny_risk, review_risk, 1),
           InRange("member_cap", member_cap, 0.01, 1),
           InRange("member_min_score", member_min_score, 0.001, member_cap),
           InRange("local_deny_weight", local_deny_weight, 0.001, 1),
           InRange("max_sales_per_unit", max_sales_per_unit, 1, 1'000'000),
           InRange("reputation_prior_bad", reputation_prior_bad, 0.001, 1e6),
           InRange("reputation_prior_good", reputation_prior_good, 0.001, 1e6),
           InRange("reputation_review_rate", reputation_review_rate, 0.001, 1),
           InRange("reputation_deny_rate", reputation_deny_rate, reputation_review_rate, 1),
           InRange("reputation_min_evidence", reputation_min_evidence, 0, 1e9),
           InRange("alert_window_days", alert_window_days, 1, 365),
           InRange("alert_history_days", alert_history_days, 1, 3650),
           InRange("alert_min_records", alert_min_records, 1, 1e9),
           InRange("alert_rise", alert_rise, 1, 1000),
       }) {
    if (!st.ok()) {
      return st;
    }
  }
  if (clone_decision != v1::DECISION_REVIEW && clone_decision != v1::DECISION_DENY) {
    return absl::InvalidArgumentError("clone_decision: must be review or deny");
  }
  if (not_commissioned_decision != v1::DECISION_REVIEW &&
      not_commissioned_decision != v1::DECISION_DENY) {
    return absl::InvalidArgumentError("not_commissioned_decision: must be review or deny");
  }
  return absl::OkStatus();
}

}  // namespace authnet
