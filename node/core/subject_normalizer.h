#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/checkout.pb.h"
#include "authnet/v1/types.pb.h"

namespace authnet {

// NormalizedSubject is one identifier in the canonical form that is digested
// (docs/architecture.md §2). It holds a raw identifier: it lives only in memory for the
// length of one call and is never logged.
struct NormalizedSubject {
  v1::SubjectType type;
  std::string value;
};

// NormalizeGtin checks a GTIN-8, -12, -13 or -14 (surrounding white space is
// ignored) and returns it left-padded with zeros to 14 digits. Errors are
// INVALID_ARGUMENT naming `field`, e.g. "gtin: check digit is 2, expected 1".
[[nodiscard]] absl::StatusOr<std::string> NormalizeGtin(absl::string_view field,
                                                        absl::string_view raw);

// NormalizeHex accepts hex digits optionally separated by ':', '-' or spaces
// (as NFC readers print tag UIDs), and returns lower-case hex without
// separators, `min_bytes`..`max_bytes` long.
[[nodiscard]] absl::StatusOr<std::string> NormalizeHex(absl::string_view field,
                                                       absl::string_view raw, size_t min_bytes,
                                                       size_t max_bytes);

// NormalizedSubjects is what a request's Subjects amount to.
struct NormalizedSubjects {
  std::vector<NormalizedSubject> subjects;
  // The GS1 expiry date (AI 17) of a scanned unit, in days since 1970.
  std::optional<int64_t> expiry_day;
};

// NormalizeSubjects turns the set fields of `subjects` into the subjects a
// check looks up and a report records:
//   gtin + serial -> unit; gtin + lot -> lot; gtin alone -> gtin;
//   supplier, seller, nfc_uid, image_phash -> one subject each;
//   gs1 -> its (01), (21) and (10) as gtin, serial and lot (an explicit
//   gtin, serial or lot must agree with them); `today` (days since 1970)
//   resolves the century of its dates.
// Serials and lots are NormalizeGs1Text, suppliers and sellers NormalizeName.
// Fails with INVALID_ARGUMENT naming the first bad field ("gtin: ...");
// "subjects" when none is set, and "serial"/"lot" when given without a gtin.
[[nodiscard]] absl::StatusOr<NormalizedSubjects> NormalizeSubjects(const v1::Subjects& subjects,
                                                                   uint32_t today);

// SubjectTypeName returns "gtin", "unit", ... as used in digests, logs and reasons.
absl::string_view SubjectTypeName(v1::SubjectType type);

// IsLifecycleKind: unit_commissioned, unit_decommissioned, gtin_serialized,
// which only brands report, about their own units (docs/architecture.md §3).
inline bool IsLifecycleKind(int kind) {
  return kind == v1::SIGNAL_KIND_UNIT_COMMISSIONED || kind == v1::SIGNAL_KIND_UNIT_DECOMMISSIONED ||
         kind == v1::SIGNAL_KIND_GTIN_SERIALIZED;
}

// SignalKindName returns "counterfeit_confirmed", ... as used on the command line.
absl::string_view SignalKindName(v1::SignalKind kind);

// ReasonCodeName returns `code`'s Reason.code string: its name in lower
// case without "REASON_CODE_" ("clone_suspected"); "" for UNSPECIFIED.
std::string ReasonCodeName(v1::ReasonCode code);

// ParseSignalKind is the inverse of SignalKindName; UNSPECIFIED if unknown.
v1::SignalKind ParseSignalKind(absl::string_view name);

}  // namespace authnet
