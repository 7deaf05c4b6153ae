#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace authnet {

// ForeignForLog makes a string that came from outside this node (a peer, a
// caller) safe for a log line: C-escaped (a newline becomes "\n", so it
// cannot start a line of its own; quotes and control bytes are escaped) and
// cut after `max_bytes` of the original, marked with "...". Log only what
// was verified; this is for the rest.
inline std::string ForeignForLog(absl::string_view text, size_t max_bytes = 64) {
  if (text.size() <= max_bytes) {
    return absl::CHexEscape(text);
  }
  return absl::CHexEscape(text.substr(0, max_bytes)) + "...";
}

// Counted is a count and its noun for a message: Counted(1, "member") is
// "1 member", Counted(2, "member") "2 members" (0 takes the plural too).
// `plural` is for nouns that do not just take an "s": Counted(n, "batch",
// "batches").
inline std::string Counted(uint64_t n, absl::string_view singular, absl::string_view plural = {}) {
  if (n == 1) {
    return absl::StrCat(n, " ", singular);
  }
  return plural.empty() ? absl::StrCat(n, " ", singular, "s") : absl::StrCat(n, " ", plural);
}

}  // namespace authnet
