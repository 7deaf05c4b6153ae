#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/escaping.h"
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

}  // namespace authnet
