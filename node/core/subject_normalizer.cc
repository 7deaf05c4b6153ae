#include "node/core/subject_normalizer.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

constexpr size_t kMaxTextBytes = 128;

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

// Length of the UTF-8 sequence starting at s[i], or 0 if it is malformed.
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      return 0;
    }
  }
  // Reject overlong forms and values beyond U+10FFFF or in the surrogate range.
  if ((len == 2 && c < 0xc2) || (len == 3 && c == 0xe0 && byte(i + 1) < 0xa0) ||
      (len == 3 && c == 0xed && byte(i + 1) >= 0xa0) ||
      (len == 4 && c == 0xf0 && byte(i + 1) < 0x90) || (len == 4 && c > 0xf4) ||
      (len == 4 && c == 0xf4 && byte(i + 1) >= 0x90)) {
    return 0;
  }
  return len;
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

absl::StatusOr<std::string> NormalizeText(absl::string_view field, absl::string_view raw) {
  absl::string_view text = Trim(raw);
  if (text.empty()) {
    return Invalid(field, "is empty");
  }
  if (text.size() > kMaxTextBytes) {
    return Invalid(field,
                   absl::StrCat("is ", text.size(), " bytes, at most ", kMaxTextBytes, " allowed"));
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      return Invalid(field, "is not valid UTF-8");
    }
    char c = text[i];
    if (len == 1 && (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)) {
      return Invalid(field, "contains a control character");
    }
    if (len == 1 && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    out.push_back(c);
    out.append(text.data() + i + 1, len - 1);
    i += len;
  }
  return out;
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

absl::StatusOr<std::vector<NormalizedSubject>> NormalizeSubjects(const v1::Subjects& s) {
  std::vector<NormalizedSubject> out;
  if (s.gtin().empty()) {
    if (!s.serial().empty()) {
      return Invalid("serial", "requires gtin");
    }
    if (!s.lot().empty()) {
      return Invalid("lot", "requires gtin");
    }
  } else {
    absl::StatusOr<std::string> gtin = NormalizeGtin("gtin", s.gtin());
    if (!gtin.ok()) {
      return gtin.status();
    }
    // A GTIN is always 14 digits, so "gtin:value" cannot be ambiguous.
    if (!s.serial().empty()) {
      absl::StatusOr<std::string> serial = NormalizeText("serial", s.serial());
      if (!serial.ok()) {
        return serial.status();
      }
      out.push_back({v1::SUBJECT_TYPE_UNIT, absl::StrCat(*gtin, ":", *serial)});
    }
    if (!s.lot().empty()) {
      absl::StatusOr<std::string> lot = NormalizeText("lot", s.lot());
      if (!lot.ok()) {
        return lot.status();
      }
      out.push_back({v1::SUBJECT_TYPE_LOT, absl::StrCat(*gtin, ":", *lot)});
    }
    if (s.serial().empty() && s.lot().empty()) {
      out.push_back({v1::SUBJECT_TYPE_GTIN, *gtin});
    }
  }
  struct TextField {
    const std::string& raw;
    absl::string_view name;
    v1::SubjectType type;
  };
  for (const TextField& f : {TextField{s.supplier(), "supplier", v1::SUBJECT_TYPE_SUPPLIER},
                             TextField{s.seller(), "seller", v1::SUBJECT_TYPE_SELLER}}) {
    if (f.raw.empty()) {
      continue;
    }
    absl::StatusOr<std::string> value = NormalizeText(f.name, f.raw);
    if (!value.ok()) {
      return value.status();
    }
    out.push_back({f.type, *std::move(value)});
  }
  if (!s.nfc_uid().empty()) {
    // ISO 14443 UIDs are 4, 7 or 10 bytes; ISO 15693 ones are 8.
    absl::StatusOr<std::string> uid = NormalizeHex("nfc_uid", s.nfc_uid(), 4, 10);
    if (!uid.ok()) {
      return uid.status();
    }
    out.push_back({v1::SUBJECT_TYPE_NFC_UID, *std::move(uid)});
  }
  if (!s.image_phash().empty()) {
    absl::StatusOr<std::string> phash = NormalizeHex("image_phash", s.image_phash(), 8, 64);
    if (!phash.ok()) {
      return phash.status();
    }
    out.push_back({v1::SUBJECT_TYPE_IMAGE_PHASH, *std::move(phash)});
  }
  if (out.empty()) {
    return Invalid("subjects",
                   "at least one of gtin, supplier, seller, nfc_uid, image_phash is required");
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
    default:
      return "unspecified";
  }
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
