#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/model/model_options.h"

namespace authnet::bench {

// MarketOptions describe a seeded, deterministic market (bench/README.md
// explains each assumption). Rates are per day unless named otherwise.
struct MarketOptions {
  uint64_t seed = 1;
  int platforms = 8;
  int days = 120;
  int products = 300;

  // Genuine suppliers list on 1..max_listings platforms and sell a
  // Poisson(genuine_sales) number of units per listing per day.
  int genuine_suppliers = 400;
  int max_listings = 4;
  double genuine_sales = 1.0;

  // Counterfeiters enter at random days over the first 3/4 of the run, each
  // with a registered supplier identity it keeps on every platform, selling
  // on counterfeiter_listings platforms at once, Poisson(fake_sales) units per
  // listing per day. Blocked on a platform (most of a day's checkouts there
  // denied) for move_after_blocked days in a row, it
  // leaves for a platform it has not tried yet; once it has tried them all,
  // it registers a new company (a new supplier identity) and starts over.
  int counterfeiters = 40;
  int counterfeiter_listings = 2;
  double fake_sales = 6.0;
  int move_after_blocked = 2;
  // Share of fakes printed with a serial copied from a genuine unit already
  // sold; a counterfeiter works from clone_serials copied serials at a time
  // and prints each on clone_uses fakes. The rest carry made-up serials.
  double cloned_share = 0.3;
  int clone_serials = 10;
  int clone_uses = 3;

  // Evidence, honest members: a share of sales is inspected (all of those a
  // check sent to review); inspection catches a fake with inspect_detect and
  // fails a genuine unit with inspect_false_fail; a lab confirms a failed
  // fake with confirm_rate. Buyers return a fake as not genuine with
  // return_fake, a genuine unit with return_false, 2..14 days later.
  double inspect_rate = 0.02;
  double inspect_detect = 0.9;
  double inspect_false_fail = 0.01;
  double confirm_rate = 0.3;
  double return_fake = 0.1;
  double return_false = 0.002;

  // The malicious member (platform index, -1 for none) files, every day,
  // malicious_reports counterfeit_confirmed and verification_failed records
  // against each of the malicious_targets share of genuine suppliers, and
  // flags malicious_unit_share of the genuine units it sells.
  int malicious_member = -1;
  double malicious_targets = 0.2;
  int malicious_reports = 20;
  double malicious_unit_share = 0.2;

  // The brand: products 0..99 are its (GS1 company prefix 4000000000). It
  // declares their GTINs serialized and commissions each genuine unit
  // before it is sold, missing the upload of a missed_uploads share.
  bool brand = false;
  double missed_uploads = 0.01;
  // Customs (an observer hearing network 0 and the brand) checks a
  // customs_inspect share of the brand's units on their way to a checkout.
  bool customs = false;
  double customs_inspect = 0.05;

  // The day (0-based) the network key rotates on every platform; -1: never.
  // The figures must not change: evidence under the old epoch keeps counting.
  int rotate_key_day = -1;

  ModelOptions model;
};

// Tally counts checkouts and what their checks said.
struct Tally {
  uint64_t counterfeit_checkouts = 0;  // attempts, blocked or not
  uint64_t genuine_checkouts = 0;
  uint64_t counterfeit_denied = 0;
  uint64_t counterfeit_reviewed = 0;
  uint64_t genuine_denied = 0;
  uint64_t genuine_reviewed = 0;

  void Add(const Tally& t);
  double recall() const;       // counterfeit checkouts denied
  double false_deny() const;   // genuine checkouts denied
  double review_rate() const;  // genuine checkouts sent to review
};

// MarketResult is what the checkouts of honest members saw (all platforms
// but the malicious one), with the tally of each platform beside it.
struct MarketResult : Tally {
  int members = 0;               // per network
  uint64_t clones_total = 0;     // copied serials that reached a checkout at least twice
  uint64_t clones_detected = 0;  // ... that a check flagged clone_suspected
  uint64_t records = 0;          // records all platforms filed
  uint64_t identities = 0;       // new supplier identities counterfeiters registered
  std::vector<Tally> per_platform;
  Tally serialized;     // honest members' checkouts of the brand's products (0..99)
  Tally customs;        // what customs' checks of the brand's units said
  uint64_t missed = 0;  // genuine units the brand did not commission

  // Without sums every platform's tally but `platform`'s.
  Tally Without(int platform) const;
};

// RunMarket plays the market with its platforms grouped into networks of
// `members` (1 = every platform alone; platforms must be a multiple).
// Every platform runs the real Model on digests made by the real
// normalizer and Digester; a network's records reach its members' models
// once an hour of simulated time, as batches through Model::ApplyBatch.
[[nodiscard]] absl::StatusOr<MarketResult> RunMarket(const MarketOptions& options, int members);

}  // namespace authnet::bench
