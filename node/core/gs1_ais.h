#pragma once

#include <cstddef>

#include "absl/strings/string_view.h"

namespace authnet {

// Gs1AiSpec describes the AIs `lo`..`hi` (codes of one length). The first
// `digits` characters of a value must be digits, the rest CSet 82.
struct Gs1AiSpec {
  absl::string_view lo;
  absl::string_view hi;
  size_t min_len;
  size_t max_len;
  size_t digits;
  absl::string_view name;
};

// LookUpGs1Ai returns the spec of AI `code` (2 to 4 digits), or nullptr if
// it is not one this parser knows (GS1 General Specifications §3.2).
const Gs1AiSpec* LookUpGs1Ai(absl::string_view code);

// IsGs1PredefinedLength: the GS1 table of AIs (by their first two digits)
// whose value has a fixed length and so needs no separator after it.
bool IsGs1PredefinedLength(absl::string_view code);

}  // namespace authnet
