#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace authnet {

// JsonQuote returns `s` as a JSON string literal, quotes included, with
// control characters, quotes and backslashes escaped.
std::string JsonQuote(absl::string_view s);

// JsonNumber formats a double the shortest way that reads back the same
// (e.g. 1, 0.25, 0.8333333333333334); non-finite values become null.
std::string JsonNumber(double v);

}  // namespace authnet
