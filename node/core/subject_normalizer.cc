#include "node/core/subject_normalizer.h"

#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "node/core/gs1.h"
#include "node/core/text_normalizer.h"

namespace authnet {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

absl::string_view Trim(absl::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

}  // namespace

absl::StatusOr<std::string> NormalizeGtin(absl::string_view field, absl::string_view raw) {
  absl::string_view gtin = Trim(raw);
  if (gtin.empty()) {
    return Invalid(field, "is empty");
  }
  for (char c : gtin) {
    if (c < '0' || c > '9') {
      return Invalid(field, "must contain only digits");
    }
  }
  if (gtin.size() != 8 && gtin.size() != 12 && gtin.size() != 13 && gtin.size() != 14) {
    return Invalid(field, absl::StrCat("must be 8, 12, 13 or 14 digits, got ", gtin.size()));
  }
  std::string padded = std::string(14 - gtin.size(), '0') + std::string(gtin);
  if (padded == "00000000000000") {
    return Invalid(field, "all zeros is not a GTIN");
  }
  // GS1 mod-10: from the digit left of the check digit, weights 3,1,3,1,...
  int sum = 0;
  for (int i = 12; i >= 0; --i) {
    int digit = padded[i] - '0';
    sum += ((12 - i) % 2 == 0) ? digit * 3 : digit;
  }
  int expected = (10 - sum % 10) % 10;
  int actual = padded[13] - '0';
  if (actual != expected) {
    return Invalid(field, absl::StrCat("check digit is ", actual, ", expected ", expected));
  }
  return padded;
}

absl::StatusOr<std::string> NormalizeHex(absl::string_view field, absl::string_view raw,
                                         size_t min_bytes, size_t max_bytes) {
  std::string out;
  for (char c : Trim(raw)) {
    if (c == ':' || c == '-' || c == ' ') {
      continue;
    }
    if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Invalid(field, "must be hex digits");
    }
    out.push_back(c);
  }
  if (out.empty()) {
    return Invalid(field, "is empty");
  }
  if (out.size() % 2 != 0) {
    return Invalid(field, "has an odd number of hex digits");
  }
  if (out.size() / 2 < min_bytes || out.size() / 2 > max_bytes) {
    return Invalid(field, absl::StrCat("is ", out.size() / 2, " bytes, expected ", min_bytes,
                                       " to ", max_bytes));
  }
  return out;
}

namespace {

// Product is what names a product and its units: gtin, serial and lot, from
// the fields or a GS1 scan, normalized.
struct Product {
  std::string gtin;
  std::string serial;
  std::string lot;
  std::optional<int64_t> expiry_day;
};

// Agree checks that an explicit field says what the scan says, where both
// say something.
absl::Status Agree(absl::string_view ai, absl::string_view field, const std::string& explicit_value,
                   const std::string& scanned) {
  if (explicit_value.empty() || scanned.empty() || explicit_value == scanned) {
    return absl::OkStatus();
  }
  return Invalid("gs1", absl::StrCat("(", ai, ") disagrees with the ", field, " field"));
}

absl::StatusOr<Product> ProductOf(const v1::Subjects& s, uint32_t today) {
  Product p;
  if (!s.gtin().empty()) {
    absl::StatusOr<std::string> gtin = NormalizeGtin("gtin", s.gtin());
    if (!gtin.ok()) {
      return gtin.status();
    }
    p.gtin = *std::move(gtin);
  }
  for (auto [field, ai, raw, out] :
       {std::tuple{"serial", "21", &s.serial(), &p.serial}, {"lot", "10", &s.lot(), &p.lot}}) {
    if (raw->empty()) {
      continue;
    }
    absl::StatusOr<std::string> value = NormalizeGs1Text(field, ai, *raw);
    if (!value.ok()) {
      return value.status();
    }
    *out = *std::move(value);
  }
  if (s.gs1().empty()) {
    return p;
  }
  int year = static_cast<int>((absl::CivilDay(1970, 1, 1) + today).year());
  absl::StatusOr<Gs1Data> scan = ParseGs1(s.gs1(), year);
  if (!scan.ok()) {
    return scan.status();  // "gs1: (21) ..."
  }
  if (scan->gtin.empty()) {
    return Invalid("gs1", "has no (01) GTIN");
  }
  for (absl::Status st :
       {Agree("01", "gtin", p.gtin, scan->gtin), Agree("21", "serial", p.serial, scan->serial),
        Agree("10", "lot", p.lot, scan->lot)}) {
    if (!st.ok()) {
      return st;
    }
  }
  p.gtin = scan->gtin;
  p.serial = scan->serial.empty() ? p.serial : scan->serial;
  p.lot = scan->lot.empty() ? p.lot : scan->lot;
  if (scan->expiry) {
    p.expiry_day = Gs1DateToDays(*scan->expiry);
  }
  return p;
}

// AddProduct adds the subjects a product names: its unit and its lot, or
// the GTIN alone.
absl::Status AddProduct(const Product& p, std::vector<NormalizedSubject>& out) {
  if (p.gtin.empty()) {
    if (!p.serial.empty()) {
      return Invalid("serial", "requires gtin");
    }
    if (!p.lot.empty()) {
      return Invalid("lot", "requires gtin");
    }
    return absl::OkStatus();
  }
  // A GTIN is always 14 digits, so "gtin:value" cannot be ambiguous.
  if (!p.serial.empty()) {
    out.push_back({v1::SUBJECT_TYPE_UNIT, absl::StrCat(p.gtin, ":", p.serial)});
  }
  if (!p.lot.empty()) {
    out.push_back({v1::SUBJECT_TYPE_LOT, absl::StrCat(p.gtin, ":", p.lot)});
  }
  if (p.serial.empty() && p.lot.empty()) {
    out.push_back({v1::SUBJECT_TYPE_GTIN, p.gtin});
  }
  return absl::OkStatus();
}

// AddOthers adds the subjects that name no product.
absl::Status AddOthers(const v1::Subjects& s, std::vector<NormalizedSubject>& out) {
  for (auto [raw, name, type] : {std::tuple{&s.supplier(), "supplier", v1::SUBJECT_TYPE_SUPPLIER},
                                 {&s.seller(), "seller", v1::SUBJECT_TYPE_SELLER}}) {
    if (raw->empty()) {
      continue;
    }
    absl::StatusOr<std::string> value = NormalizeName(name, *raw);
    if (!value.ok()) {
      return value.status();
    }
    out.push_back({type, *std::move(value)});
  }
  // ISO 14443 UIDs are 4, 7 or 10 bytes; ISO 15693 ones are 8.
  for (auto [raw, name, type, min, max] :
       {std::tuple{&s.nfc_uid(), "nfc_uid", v1::SUBJECT_TYPE_NFC_UID, 4, 10},
        {&s.image_phash(), "image_phash", v1::SUBJECT_TYPE_IMAGE_PHASH, 8, 64}}) {
    if (raw->empty()) {
      continue;
    }
    absl::StatusOr<std::string> value = NormalizeHex(name, *raw, min, max);
    if (!value.ok()) {
      return value.status();
    }
    out.push_back({type, *std::move(value)});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NormalizedSubjects> NormalizeSubjects(const v1::Subjects& s, uint32_t today) {
  absl::StatusOr<Product> product = ProductOf(s, today);
  if (!product.ok()) {
    return product.status();
  }
  NormalizedSubjects out;
  out.expiry_day = product->expiry_day;
  if (absl::Status st = AddProduct(*product, out.subjects); !st.ok()) {
    return st;
  }
  if (absl::Status st = AddOthers(s, out.subjects); !st.ok()) {
    return st;
  }
  if (out.subjects.empty()) {
    return Invalid("subjects",
                   "at least one of gtin, gs1, supplier, seller, nfc_uid, image_phash is required");
  }
  return out;
}

absl::string_view SubjectTypeName(v1::SubjectType type) {
  switch (type) {
    case v1::SUBJECT_TYPE_GTIN:
      return "gtin";
    case v1::SUBJECT_TYPE_UNIT:
      return "unit";
    case v1::SUBJECT_TYPE_LOT:
      return "lot";
    case v1::SUBJECT_TYPE_SUPPLIER:
      return "supplier";
    case v1::SUBJECT_TYPE_SELLER:
      return "seller";
    case v1::SUBJECT_TYPE_NFC_UID:
      return "nfc_uid";
    case v1::SUBJECT_TYPE_IMAGE_PHASH:
      return "image_phash";
    case v1::SUBJECT_TYPE_COMPANY_PREFIX:
      return "company_prefix";
    default:
      return "unspecified";
  }
}

absl::string_view SignalKindName(v1::SignalKind kind) {
  switch (kind) {
    case v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED:
      return "counterfeit_confirmed";
    case v1::SIGNAL_KIND_COUNTERFEIT_SUSPECTED:
      return "counterfeit_suspected";
    case v1::SIGNAL_KIND_VERIFICATION_FAILED:
      return "verification_failed";
    case v1::SIGNAL_KIND_VERIFICATION_PASSED:
      return "verification_passed";
    case v1::SIGNAL_KIND_UNIT_SOLD:
      return "unit_sold";
    case v1::SIGNAL_KIND_RETURN_NOT_GENUINE:
      return "return_not_genuine";
    case v1::SIGNAL_KIND_UNIT_COMMISSIONED:
      return "unit_commissioned";
    case v1::SIGNAL_KIND_UNIT_DECOMMISSIONED:
      return "unit_decommissioned";
    case v1::SIGNAL_KIND_GTIN_SERIALIZED:
      return "gtin_serialized";
    default:
      return "unspecified";
  }
}

std::string ReasonCodeName(v1::ReasonCode code) {
  static constexpr absl::string_view kPrefix = "REASON_CODE_";
  if (code == v1::REASON_CODE_UNSPECIFIED || !v1::ReasonCode_IsValid(code)) {
    return "";
  }
  std::string name = absl::AsciiStrToLower(v1::ReasonCode_Name(code).substr(kPrefix.size()));
  return name;
}

v1::SignalKind ParseSignalKind(absl::string_view name) {
  for (int k = v1::SignalKind_MIN; k <= v1::SignalKind_MAX; ++k) {
    auto kind = static_cast<v1::SignalKind>(k);
    if (k != v1::SIGNAL_KIND_UNSPECIFIED && SignalKindName(kind) == name) {
      return kind;
    }
  }
  return v1::SIGNAL_KIND_UNSPECIFIED;
}

}  // namespace authnet
