#pragma once

#include "absl/strings/string_view.h"

namespace authnet {

// IsValidMemberId reports whether `id` matches [a-z0-9][a-z0-9-]{2,31}
// (docs/architecture.md §2). Member ids appear in certificates, file names and logs, so
// the rule is deliberately narrow. Thread-safe.
bool IsValidMemberId(absl::string_view id);

// IsValidNetworkName: the same rule as member ids. Thread-safe.
bool IsValidNetworkName(absl::string_view name);

}  // namespace authnet
