#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet {

// Normalization of the two kinds of text identifier (docs/architecture.md §2). Errors
// are INVALID_ARGUMENT naming `field`; they never quote the value.

// NormalizeName normalizes a free-text name (a supplier or seller) so that
// canonically equal names digest equally, with ICU:
//   1. the input must be valid UTF-8 of at most 512 bytes, with no control
//      character other than white space, and no unassigned, private-use or
//      noncharacter code point: those are refused;
//   2. NFKC_Casefold (Unicode's NFKC with full default case folding, which
//      also removes default-ignorable characters: zero-width spaces and
//      joiners, soft hyphens, bidirectional controls): "ＭÜＬＬＥＲ" and
//      "Mu\u0308ller" become "müller", "Straße" and "STRASSE" "strasse";
//      folding is the default, not the Turkic one, so "İ" becomes "i̇" and
//      stays apart from "I";
//   3. runs of white space (any Unicode White_Space) become one space, and
//      the ends are trimmed.
// The result is 1..128 bytes. Pure ASCII takes a fast path that gives the
// same result (tested against ICU).
[[nodiscard]] absl::StatusOr<std::string> NormalizeName(absl::string_view field,
                                                        absl::string_view raw);

// NormalizeGs1Text normalizes a serial (GS1 AI 21) or lot (AI 10) value:
// ASCII white space at the ends is trimmed, nothing else changes (GS1 values
// are case-sensitive); the rest must be 1..20 characters of the GS1 AI
// encodable character set 82. `ai` ("21", "10") names the AI in errors.
[[nodiscard]] absl::StatusOr<std::string> NormalizeGs1Text(absl::string_view field,
                                                           absl::string_view ai,
                                                           absl::string_view raw);

// IsGs1Cset82 says whether `c` is in the GS1 AI encodable character set 82:
// ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z.
bool IsGs1Cset82(char c);

// kMaxGs1TextChars is the longest serial or lot GS1 allows (AIs 21, 10).
inline constexpr size_t kMaxGs1TextChars = 20;

}  // namespace authnet
