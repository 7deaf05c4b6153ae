#include "bench/catalog.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "node/core/subject_normalizer.h"

namespace authnet::bench {
namespace {

// Gtin returns a valid GTIN-13 (GS1 mod-10 check digit) for product `p`.
std::string Gtin(uint64_t p) {
  std::string digits = absl::StrCat(400638100000ULL + p % 100);  // 12 digits
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    int d = digits[digits.size() - 1 - i] - '0';
    sum += (i % 2 == 0) ? 3 * d : d;
  }
  return absl::StrCat(digits, (10 - sum % 10) % 10);
}

}  // namespace

Subjects Catalog::CheckFor(uint64_t i) const {
  uint64_t u = i % units_;
  Subjects s;
  s.gtin = Gtin(u);
  s.serial = absl::StrCat("SN", u);
  s.supplier = absl::StrCat("supplier-", u % 1000);
  s.seller = absl::StrCat("seller-", u % 5000);
  return s;
}

RecordMaker Catalog::Records(const Digester& digester, uint32_t today) const {
  return [this, &digester, today](uint64_t seq, v1::Record* r) {
    uint64_t u = (seq - 1) % units_;
    Subjects s = CheckFor(u);
    v1::Subjects one;
    v1::SubjectType type = v1::SUBJECT_TYPE_UNIT;
    v1::SignalKind kind = v1::SIGNAL_KIND_UNIT_SOLD;
    if (u % 50 == 0) {
      kind = v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED;
    } else if (u % 10 == 1) {
      type = v1::SUBJECT_TYPE_SUPPLIER;
      kind = v1::SIGNAL_KIND_VERIFICATION_PASSED;
    } else if (u % 10 == 2) {
      type = v1::SUBJECT_TYPE_SELLER;
      kind = v1::SIGNAL_KIND_VERIFICATION_PASSED;
    }
    if (type == v1::SUBJECT_TYPE_UNIT) {
      one.set_gtin(s.gtin);
      one.set_serial(s.serial);
    } else if (type == v1::SUBJECT_TYPE_SUPPLIER) {
      one.set_supplier(s.supplier);
    } else {
      one.set_seller(s.seller);
    }
    absl::StatusOr<NormalizedSubjects> n = NormalizeSubjects(one, today);
    if (!n.ok() || n->subjects.size() != 1) {
      std::abort();  // the catalog's identifiers are valid by construction
    }
    Digest d = digester.Make(n->subjects[0].type, n->subjects[0].value);
    r->set_digest(std::move(d.bytes));
    r->set_key_epoch(d.epoch);
    r->set_subject_type(type);
    r->set_kind(kind);
    r->set_weight_milli(1000);
    r->set_day(today - static_cast<uint32_t>(seq % 180));
    r->set_ttl_days(365);
  };
}

}  // namespace authnet::bench
