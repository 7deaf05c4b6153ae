#pragma once

#include <string_view>

namespace authnet {

// IsValidMemberId reports whether `id` matches [a-z0-9][a-z0-9-]{2,31}
// (DESIGN.md §2). Member ids appear in certificates, file names and logs, so
// the rule is deliberately narrow. Thread-safe.
bool IsValidMemberId(std::string_view id);

// IsValidNetworkName: the same rule as member ids. Thread-safe.
bool IsValidNetworkName(std::string_view name);

}  // namespace authnet
