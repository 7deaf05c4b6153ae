#pragma once

#include <cstdint>

#include "absl/status/status.h"

namespace authnet {

// ModelOptions tunes the detection model (DESIGN.md §3). Every node of a
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
  // This member's own counterfeit_confirmed evidence (decayed, weighted) at
  // or above this denies locally without waiting for other members.
  double local_deny_weight = 0.5;
  // A serialized unit (or NFC tag) sold more often than this, or by two
  // members, is clone_suspected.
  uint32_t max_sales_per_unit = 1;
  // Supplier and seller reputation: a Beta(prior_bad, prior_good) prior on
  // the rate of adverse outcomes among verifications.
  double reputation_prior_bad = 0.5;
  double reputation_prior_good = 9.5;
  // Smoothed adverse rate at or above which a supplier or seller is `review`.
  double reputation_review_rate = 0.15;
  // ... and `deny`, once there is at least reputation_min_evidence evidence.
  double reputation_deny_rate = 0.25;
  double reputation_min_evidence = 20;

  // Validate returns INVALID_ARGUMENT naming the first field out of range.
  [[nodiscard]] absl::Status Validate() const;
};

}  // namespace authnet
