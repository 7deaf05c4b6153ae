#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "authnet/v1/checkout.pb.h"
#include "node/model/model_options.h"

namespace authnet {

// kSignalKinds bounds the SignalKind enum values used as array indexes.
inline constexpr int kSignalKinds = 7;

// OriginEvidence is what one member has said about one digest, decayed to
// today and scaled by that member's roster trust.
struct OriginEvidence {
  uint16_t origin = 0;
  bool local = false;                          // the member is this node's own
  std::array<double, kSignalKinds> weight{};   // by SignalKind
  std::array<uint32_t, kSignalKinds> count{};  // records, by SignalKind
  std::array<uint32_t, kSignalKinds> newest_day{};
};

// SubjectVerdict is the model's answer for one subject.
struct SubjectVerdict {
  v1::Decision decision = v1::DECISION_ALLOW;
  double risk = 0;
  std::vector<uint16_t> adverse_origins;  // members with adverse evidence
  std::vector<v1::Reason> reasons;
};

// EvaluateSubject applies the decision rules of docs/architecture.md §3 to the evidence
// about one subject:
//  - items (gtin, unit, lot, nfc_uid, image_phash): each member's adverse
//    evidence becomes a score capped at options.member_cap; risk combines
//    them as independent witnesses. This member's own confirmed counterfeit
//    denies; the network denies only with risk >= deny_risk and
//    deny_min_members members each scoring at least member_min_score;
//    risk >= review_risk is review. A unit or tag sold by two members, or
//    more than max_sales_per_unit times, is clone_suspected
//    (options.clone_decision; a network deny needs deny_min_members sellers
//    besides the first, or every sale being this member's own).
//  - supplier and seller: reputation, the Beta-smoothed share of adverse
//    outcomes among all verifications, so one failure among many passes does
//    not count against them. The decision weighs no other member more than
//    the k-th most adverse member (k = deny_min_members; a member above it
//    has its evidence scaled down to that size, keeping its own rate; this
//    member's own evidence counts in full): deny at reputation_deny_rate with
//    reputation_min_evidence, review at reputation_review_rate. So k - 1
//    members flooding adverse reports cannot push a supplier toward review or
//    deny on other members' nodes; risk and reasons still show all the
//    evidence.
// Pure function; thread-safe.
SubjectVerdict EvaluateSubject(v1::SubjectType type, std::span<const OriginEvidence> evidence,
                               uint32_t today, const ModelOptions& options);

// AdverseOutcomes is how many adverse outcomes one unit of `kind` evidence
// counts as in a reputation (0 for verification_passed and unit_sold).
double AdverseOutcomes(v1::SignalKind kind);

// ReputationRate is the Beta-smoothed adverse rate of `adverse` against
// `passed` evidence under options' prior.
double ReputationRate(double adverse, double passed, const ModelOptions& options);

}  // namespace authnet
