#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "authnet/v1/types.pb.h"

namespace authnet {

// ModelOptions tunes the detection model (docs/architecture.md §3). Every node of a
// network should run the same values, or their decisions differ even though
// their fingerprints (which cover records, not options) agree.
struct ModelOptions {
  // Distinct members with adverse evidence that a network-wide deny needs (k).
  uint32_t deny_min_members = 2;
  // Evidence loses half its weight every this many days.
  double half_life_days = 90;
  // Risk at or above this is `review`.
  double review_risk = 0.3;
  // Risk at or above this, with deny_min_members reporters, is `deny`.
  double deny_risk = 0.8;
  // The most risk one member's evidence can put on one digest: one member
  // alone can never reach deny_risk through the network.
  double member_cap = 0.75;
  // A member counts toward deny_min_members for an item only when its own
  // (capped) score on it reaches this, so one member's flood plus another's
  // faint suspicion is not two witnesses.
  double member_min_score = 0.5;
  // This member's own counterfeit_confirmed evidence (decayed, weighted) at
  // or above this denies locally without waiting for other members.
  double local_deny_weight = 0.5;
  // A serialized unit (or NFC tag) sold more often than this, or by two
  // members, is clone_suspected.
  uint32_t max_sales_per_unit = 1;
  // What clone_suspected decides: DECISION_REVIEW (default: a returned and
  // resold unit also sells twice) or DECISION_DENY. A network deny needs
  // sales by deny_min_members members besides the first seller, unless every
  // sale was this member's own.
  v1::Decision clone_decision = v1::DECISION_REVIEW;
  // What not_commissioned decides (a unit of a GTIN its brand declared
  // serialized that the brand never commissioned): DECISION_REVIEW (default:
  // manufacturers miss uploads, and EMVS sees about 3% false alerts) or
  // DECISION_DENY.
  v1::Decision not_commissioned_decision = v1::DECISION_REVIEW;
  // Supplier and seller reputation: a Beta(prior_bad, prior_good) prior on
  // the rate of adverse outcomes among verifications.
  double reputation_prior_bad = 0.5;
  double reputation_prior_good = 9.5;
  // Smoothed adverse rate at or above which a supplier or seller is `review`.
  double reputation_review_rate = 0.15;
  // ... and `deny`, once there is at least reputation_min_evidence evidence.
  double reputation_deny_rate = 0.25;
  double reputation_min_evidence = 20;

  // Supplier anomaly alerts: a supplier whose smoothed adverse rate over the
  // last alert_window_days is at least alert_rise times its rate over the
  // alert_history_days before (and at least reputation_review_rate), with
  // at least alert_min_records records in each period, raises an alert; at
  // most one per supplier per window.
  uint32_t alert_window_days = 7;
  uint32_t alert_history_days = 90;
  uint32_t alert_min_records = 20;
  double alert_rise = 2.0;

  // Validate returns INVALID_ARGUMENT naming the first field out of range.
  [[nodiscard]] absl::Status Validate() const;
};

}  // namespace authnet
