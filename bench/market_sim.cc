#include "bench/market_sim.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/sim_platforms.h"
#include "node/core/hex.h"
#include "node/crypto/openssl_util.h"

namespace authnet::bench {
namespace {

// The simulation starts on 2026-01-01 (days since 1970).
constexpr uint32_t kStartDay = 20454;
constexpr int kSlicesPerDay = 24;  // records reach the network once an hour
// The brand's company prefix: Gtin(i) lies under it for products 0..99.
constexpr char kBrandPrefix[] = "4000000000";
constexpr int kBrandProducts = 100;

// Rng is SplitMix64: small, fast and the same on every platform, so a seed
// always plays the same market.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform() < p; }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  // Poisson by inversion; fine for the small means used here.
  int Poisson(double mean) {
    double limit = std::exp(-mean);
    double product = Uniform();
    int k = 0;
    while (product > limit) {
      product *= Uniform();
      ++k;
    }
    return k;
  }

 private:
  uint64_t state_;
};

// Gtin returns a valid GTIN-13 for product `i` (GS1 check digit).
std::string Gtin(int i) {
  std::string body = absl::StrFormat("400%09d", i);
  int sum = 0;
  for (size_t k = 0; k < body.size(); ++k) {
    int d = body[body.size() - 1 - k] - '0';
    sum += d * (k % 2 == 0 ? 3 : 1);
  }
  return absl::StrCat(body, (10 - sum % 10) % 10);
}

struct Supplier {
  std::string id;
  std::vector<int> products;
  std::vector<int> listings;  // platforms
};

struct Counterfeiter {
  std::string base_id;
  std::string id;  // the supplier identity it trades under now
  int enter_day = 0;
  std::vector<int> products;
  std::vector<int> listings;
  std::map<int, int> blocked_days;  // platform -> consecutive days blocked
  std::set<int> tried;
  int identity = 0;  // re-registrations so far
  struct Clone {
    int product;
    std::string serial;  // copied from a genuine unit already sold
    int uses;
  };
  std::vector<Clone> clones;
  std::map<int, std::pair<int, int>> today;  // platform -> (checkouts, denied)
};

struct Sale {
  int platform;
  int product;
  std::string serial;
  std::string supplier;
  int counterfeiter = -1;  // -1: genuine
  bool cloned = false;
};

class Market {
 public:
  Market(const MarketOptions& o, int members, NetworkKeys keys)
      : o_(o),
        rng_(o.seed),
        malicious_rng_(o.seed ^ 0x6d616c6963696f75ULL),
        brand_rng_(o.seed ^ 0x6272616e64ULL),
        platforms_(o.platforms, members, o.model, std::move(keys), kStartDay,
                   {o.brand ? kBrandPrefix : "", o.customs}) {
    result_.members = members;
    result_.per_platform.resize(o.platforms);
    genuine_serials_.assign(o.products, 0);
    for (int s = 0; s < o.genuine_suppliers; ++s) {
      Supplier& sup = suppliers_.emplace_back();
      sup.id = absl::StrFormat("gln-%06d", s);
      int n = 1 + rng_.Below(3);
      for (int i = 0; i < n; ++i) {
        sup.products.push_back(rng_.Below(o.products));
      }
      sup.listings = Pick(1 + rng_.Below(o.max_listings));
      // The malicious member's choices come from their own stream, so the
      // market is the same with or without it.
      if (o.malicious_member >= 0 && malicious_rng_.Chance(o.malicious_targets)) {
        targets_.push_back(sup.id);
      }
    }
    for (int c = 0; c < o.counterfeiters; ++c) {
      Counterfeiter& cf = counterfeiters_.emplace_back();
      cf.base_id = absl::StrFormat("gln-9%05d", c);
      cf.id = cf.base_id;
      cf.enter_day = rng_.Below(std::max(1, o.days * 3 / 4));
      int n = 1 + rng_.Below(2);
      for (int i = 0; i < n; ++i) {
        cf.products.push_back(rng_.Below(o.products));
      }
    }
  }

  absl::StatusOr<MarketResult> Run() {
    if (absl::Status st = SerializeBrandGtins(); !st.ok()) {
      return st;
    }
    for (int day = 0; day < o_.days; ++day) {
      if (day > 0) {
        platforms_.NextDay();
      }
      if (day == o_.rotate_key_day) {
        platforms_.RotateKey();
      }
      EnterCounterfeiters(day);
      std::vector<Sale> sales = TodaysSales();
      if (absl::Status st = CommissionGenuineUnits(sales); !st.ok()) {
        return st;
      }
      size_t slice = (sales.size() + kSlicesPerDay - 1) / kSlicesPerDay;
      for (size_t i = 0; i < sales.size(); ++i) {
        if (absl::Status st = Checkout(day, sales[i]); !st.ok()) {
          return st;
        }
        if (slice > 0 && (i + 1) % slice == 0) {
          if (absl::Status st = platforms_.Flush(); !st.ok()) {
            return st;
          }
        }
      }
      if (absl::Status st = FileDueReturns(day); !st.ok()) {
        return st;
      }
      if (absl::Status st = MaliciousReports(); !st.ok()) {
        return st;
      }
      if (absl::Status st = platforms_.Flush(); !st.ok()) {
        return st;
      }
      MoveCounterfeiters();
    }
    static_cast<Tally&>(result_) = result_.Without(o_.malicious_member);
    result_.records = platforms_.records();
    for (const auto& [key, seen] : clone_checkouts_) {
      if (seen >= 2) {
        ++result_.clones_total;
        result_.clones_detected += clones_flagged_.contains(key) ? 1 : 0;
      }
    }
    return result_;
  }

 private:
  struct Return {
    int platform;
    v1::Subjects subjects;
  };

  static bool BrandProduct(int product) { return product < kBrandProducts; }

  absl::Status SerializeBrandGtins() {
    if (!o_.brand) {
      return absl::OkStatus();
    }
    for (int p = 0; p < std::min(kBrandProducts, o_.products); ++p) {
      if (absl::Status st = platforms_.FileLifecycle(v1::SIGNAL_KIND_GTIN_SERIALIZED, Gtin(p), {});
          !st.ok()) {
        return st;
      }
    }
    return platforms_.Flush();
  }

  // CommissionGenuineUnits has the brand commission the genuine units of its
  // products sold today before they reach a checkout (it made them), but
  // for a missed_uploads share (from a random stream of its own).
  absl::Status CommissionGenuineUnits(const std::vector<Sale>& sales) {
    if (!o_.brand) {
      return absl::OkStatus();
    }
    std::map<int, std::vector<std::string>> units;
    for (const Sale& sale : sales) {
      if (sale.counterfeiter < 0 && BrandProduct(sale.product)) {
        if (brand_rng_.Chance(o_.missed_uploads)) {
          ++result_.missed;
        } else {
          units[sale.product].push_back(sale.serial);
        }
      }
    }
    for (const auto& [product, serials] : units) {
      if (absl::Status st =
              platforms_.FileLifecycle(v1::SIGNAL_KIND_UNIT_COMMISSIONED, Gtin(product), serials);
          !st.ok()) {
        return st;
      }
    }
    return platforms_.Flush();
  }

  // CustomsCheck has customs check a customs_inspect share of the brand's
  // units on their way to a checkout: only product identifiers cross a
  // border.
  absl::Status CustomsCheck(const Sale& sale) {
    if (!o_.customs || !BrandProduct(sale.product) || !brand_rng_.Chance(o_.customs_inspect)) {
      return absl::OkStatus();
    }
    v1::Subjects unit;
    unit.set_gtin(Gtin(sale.product));
    unit.set_serial(sale.serial);
    absl::StatusOr<v1::CheckResponse> check = platforms_.Check(platforms_.customs(), unit);
    if (!check.ok()) {
      return check.status();
    }
    Count(result_.customs, sale.counterfeiter >= 0, check->decision());
    return absl::OkStatus();
  }

  static void Count(Tally& t, bool fake, v1::Decision decision) {
    (fake ? t.counterfeit_checkouts : t.genuine_checkouts)++;
    if (decision == v1::DECISION_DENY) {
      (fake ? t.counterfeit_denied : t.genuine_denied)++;
    } else if (decision == v1::DECISION_REVIEW) {
      (fake ? t.counterfeit_reviewed : t.genuine_reviewed)++;
    }
  }

  // Pick returns n distinct platforms, n clamped to the platform count.
  std::vector<int> Pick(int n) {
    std::vector<int> all(o_.platforms);
    for (int p = 0; p < o_.platforms; ++p) {
      all[p] = p;
    }
    for (int i = o_.platforms - 1; i > 0; --i) {
      std::swap(all[i], all[rng_.Below(i + 1)]);
    }
    all.resize(std::min(n, o_.platforms));
    return all;
  }

  void EnterCounterfeiters(int day) {
    for (Counterfeiter& cf : counterfeiters_) {
      if (cf.enter_day != day) {
        continue;
      }
      cf.listings = Pick(o_.counterfeiter_listings);
      cf.tried.insert(cf.listings.begin(), cf.listings.end());
      for (int i = 0; i < o_.clone_serials; ++i) {
        cf.clones.push_back(CopySerial(cf));
      }
    }
  }

  // CopySerial picks a genuine unit already sold of one of the
  // counterfeiter's products and copies its serial.
  Counterfeiter::Clone CopySerial(const Counterfeiter& cf) {
    int product = cf.products[rng_.Below(static_cast<int>(cf.products.size()))];
    int sold = genuine_serials_[product];
    if (sold == 0) {
      return {product, absl::StrCat("f", ++fake_serials_), 0};  // nothing to copy yet
    }
    return {product, absl::StrCat("g", 1 + rng_.Below(sold)), 0};
  }

  std::vector<Sale> TodaysSales() {
    std::vector<Sale> sales;
    for (const Supplier& sup : suppliers_) {
      for (int p : sup.listings) {
        for (int n = rng_.Poisson(o_.genuine_sales); n > 0; --n) {
          int product = sup.products[rng_.Below(static_cast<int>(sup.products.size()))];
          sales.push_back(
              {p, product, absl::StrCat("g", ++genuine_serials_[product]), sup.id, -1, false});
        }
      }
    }
    for (int c = 0; c < static_cast<int>(counterfeiters_.size()); ++c) {
      Counterfeiter& cf = counterfeiters_[c];
      cf.today.clear();
      for (int p : cf.listings) {
        for (int n = rng_.Poisson(o_.fake_sales); n > 0; --n) {
          Sale s{p, 0, "", cf.id, c, false};
          if (!cf.clones.empty() && rng_.Chance(o_.cloned_share)) {
            Counterfeiter::Clone& clone = cf.clones[rng_.Below(static_cast<int>(cf.clones.size()))];
            s.product = clone.product;
            s.serial = clone.serial;
            s.cloned = true;
            if (++clone.uses >= o_.clone_uses) {
              clone = CopySerial(cf);
            }
          } else {
            s.product = cf.products[rng_.Below(static_cast<int>(cf.products.size()))];
            s.serial = absl::StrCat("f", ++fake_serials_);
          }
          sales.push_back(std::move(s));
        }
      }
    }
    for (size_t i = sales.size(); i > 1; --i) {
      std::swap(sales[i - 1], sales[rng_.Below(static_cast<int>(i))]);
    }
    return sales;
  }

  absl::Status Checkout(int day, const Sale& sale) {
    const int pl = sale.platform;
    const bool malicious = pl == o_.malicious_member;
    if (absl::Status st = CustomsCheck(sale); !st.ok()) {
      return st;
    }
    v1::Subjects subjects;
    subjects.set_gtin(Gtin(sale.product));
    subjects.set_serial(sale.serial);
    subjects.set_supplier(sale.supplier);
    subjects.set_seller(absl::StrCat(sale.supplier, "@", platforms_.id(pl)));
    absl::StatusOr<v1::CheckResponse> checked = platforms_.Check(pl, subjects);
    if (!checked.ok()) {
      return checked.status();
    }
    const v1::CheckResponse& check = *checked;
    bool fake = sale.counterfeiter >= 0;
    bool deny = check.decision() == v1::DECISION_DENY;
    bool review = check.decision() == v1::DECISION_REVIEW;
    Count(result_.per_platform[pl], fake, check.decision());
    if (!malicious && BrandProduct(sale.product)) {
      Count(result_.serialized, fake, check.decision());
    }
    if (!malicious) {
      if (sale.cloned) {
        std::string key = absl::StrCat(sale.product, "/", sale.serial);
        ++clone_checkouts_[key];
        for (const v1::Reason& r : check.reasons()) {
          if (r.code() == "clone_suspected") {
            clones_flagged_.insert(key);
          }
        }
      }
    }
    if (fake) {
      auto& [checkouts, denied] = counterfeiters_[sale.counterfeiter].today[sale.platform];
      ++checkouts;
      denied += deny ? 1 : 0;
    }
    if (deny) {
      return absl::OkStatus();
    }
    // A review holds the order for inspection; otherwise a sample is inspected.
    if (review || rng_.Chance(o_.inspect_rate)) {
      bool failed = rng_.Chance(fake ? o_.inspect_detect : o_.inspect_false_fail);
      if (failed) {
        if (absl::Status st = platforms_.File(pl, subjects, v1::SIGNAL_KIND_VERIFICATION_FAILED);
            !st.ok()) {
          return st;
        }
        if (fake && rng_.Chance(o_.confirm_rate)) {
          if (absl::Status st =
                  platforms_.File(pl, subjects, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
              !st.ok()) {
            return st;
          }
        }
        if (review) {
          return absl::OkStatus();  // the held order is cancelled
        }
      } else {
        v1::Subjects who;
        who.set_supplier(subjects.supplier());
        who.set_seller(subjects.seller());
        if (absl::Status st = platforms_.File(pl, who, v1::SIGNAL_KIND_VERIFICATION_PASSED);
            !st.ok()) {
          return st;
        }
      }
    }
    v1::Subjects unit;
    unit.set_gtin(subjects.gtin());
    unit.set_serial(subjects.serial());
    if (absl::Status st = platforms_.File(pl, unit, v1::SIGNAL_KIND_UNIT_SOLD); !st.ok()) {
      return st;
    }
    if (rng_.Chance(fake ? o_.return_fake : o_.return_false)) {
      returns_[day + 2 + rng_.Below(13)].push_back({sale.platform, subjects});
    }
    if (malicious && !fake && malicious_rng_.Chance(o_.malicious_unit_share)) {
      return platforms_.File(pl, unit, v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
    }
    return absl::OkStatus();
  }

  absl::Status FileDueReturns(int day) {
    auto due = returns_.find(day);
    if (due == returns_.end()) {
      return absl::OkStatus();
    }
    for (const Return& r : due->second) {
      if (absl::Status st =
              platforms_.File(r.platform, r.subjects, v1::SIGNAL_KIND_RETURN_NOT_GENUINE);
          !st.ok()) {
        return st;
      }
    }
    returns_.erase(due);
    return absl::OkStatus();
  }

  absl::Status MaliciousReports() {
    if (o_.malicious_member < 0) {
      return absl::OkStatus();
    }
    const int pl = o_.malicious_member;
    for (const std::string& target : targets_) {
      v1::Subjects s;
      s.set_supplier(target);
      for (int i = 0; i < o_.malicious_reports; ++i) {
        for (v1::SignalKind kind :
             {v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, v1::SIGNAL_KIND_VERIFICATION_FAILED}) {
          if (absl::Status st = platforms_.File(pl, s, kind); !st.ok()) {
            return st;
          }
        }
      }
    }
    return absl::OkStatus();
  }

  void MoveCounterfeiters() {
    for (Counterfeiter& cf : counterfeiters_) {
      bool exhausted = false;
      for (int& p : cf.listings) {
        // A day counts as blocked when most of its checkouts there were denied.
        int& blocked = cf.blocked_days[p];
        auto [checkouts, denied] = cf.today[p];
        blocked = checkouts > 0 && 2 * denied > checkouts ? blocked + 1 : 0;
        if (blocked < o_.move_after_blocked) {
          continue;
        }
        // Leave for a platform it has not tried under this identity.
        std::vector<int> fresh;
        for (int q = 0; q < o_.platforms; ++q) {
          if (!cf.tried.contains(q)) {
            fresh.push_back(q);
          }
        }
        if (fresh.empty()) {
          exhausted = true;
          continue;
        }
        blocked = 0;
        p = fresh[rng_.Below(static_cast<int>(fresh.size()))];
        cf.tried.insert(p);
        cf.blocked_days[p] = 0;
      }
      if (exhausted) {
        // Blocked everywhere it can go: register a new company and start over.
        ++cf.identity;
        cf.id = absl::StrFormat("%s-%d", cf.base_id, cf.identity);
        cf.listings = Pick(o_.counterfeiter_listings);
        cf.tried.clear();
        cf.tried.insert(cf.listings.begin(), cf.listings.end());
        cf.blocked_days.clear();
        ++result_.identities;
      }
    }
  }

  const MarketOptions& o_;
  Rng rng_;
  Rng malicious_rng_;
  Rng brand_rng_;  // the brand's missed uploads and customs' sampling
  SimPlatforms platforms_;
  MarketResult result_;
  std::vector<Supplier> suppliers_;
  std::vector<Counterfeiter> counterfeiters_;
  std::vector<std::string> targets_;
  std::vector<int> genuine_serials_;  // per product, serials issued so far
  uint64_t fake_serials_ = 0;
  std::map<int, std::vector<Return>> returns_;
  std::map<std::string, int> clone_checkouts_;
  std::set<std::string> clones_flagged_;
};

double Ratio(uint64_t a, uint64_t b) { return b == 0 ? 0 : static_cast<double>(a) / b; }

}  // namespace

void Tally::Add(const Tally& t) {
  counterfeit_checkouts += t.counterfeit_checkouts;
  genuine_checkouts += t.genuine_checkouts;
  counterfeit_denied += t.counterfeit_denied;
  counterfeit_reviewed += t.counterfeit_reviewed;
  genuine_denied += t.genuine_denied;
  genuine_reviewed += t.genuine_reviewed;
}

double Tally::recall() const { return Ratio(counterfeit_denied, counterfeit_checkouts); }
double Tally::false_deny() const { return Ratio(genuine_denied, genuine_checkouts); }
double Tally::review_rate() const { return Ratio(genuine_reviewed, genuine_checkouts); }

Tally MarketResult::Without(int platform) const {
  Tally t;
  for (int p = 0; p < static_cast<int>(per_platform.size()); ++p) {
    if (p != platform) {
      t.Add(per_platform[p]);
    }
  }
  return t;
}

absl::StatusOr<MarketResult> RunMarket(const MarketOptions& options, int members) {
  if (members < 1 || options.platforms < 1 || options.platforms % members != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("members: ", members, " must divide the ", options.platforms, " platforms"));
  }
  if (options.days < 1 || options.products < 1 || options.genuine_suppliers < 1 ||
      options.counterfeiters < 0 || options.counterfeiter_listings < 1 ||
      options.max_listings < 1 || options.clone_serials < 0) {
    return absl::InvalidArgumentError(
        "market: days, products, suppliers and listings must be >= 1");
  }
  if (!(options.missed_uploads >= 0 && options.missed_uploads <= 1) ||
      !(options.customs_inspect >= 0 && options.customs_inspect <= 1)) {
    return absl::InvalidArgumentError("missed_uploads and customs_inspect: shares from 0 to 1");
  }
  if (options.malicious_member >= options.platforms) {
    return absl::InvalidArgumentError("malicious_member: not one of the platforms");
  }
  if (absl::Status st = options.model.Validate(); !st.ok()) {
    return st;
  }
  // The network key is derived from the seed: the same seed, the same digests.
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::Parse(absl::StrCat(
      "1 ", HexEncode(crypto::Sha256(absl::StrCat("authnet-bench sim ", options.seed)))));
  if (!keys.ok()) {
    return keys.status();
  }
  Market market(options, members, *std::move(keys));
  return market.Run();
}

}  // namespace authnet::bench
