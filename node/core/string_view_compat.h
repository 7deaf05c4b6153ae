#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace authnet {

// Debian bookworm's Abseil is built with its own absl::string_view
// (ABSL_OPTION_USE_STD_STRING_VIEW 0), so std::string_view does not convert
// to what absl::StrCat, absl::StrSplit and absl::Status take, and
// absl::Status::message() does not convert to std::string_view. These two
// bridge the types without copying.
inline absl::string_view AsAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view AsStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace authnet
