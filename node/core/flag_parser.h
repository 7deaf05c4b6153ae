#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace authnet {

// ParsedFlags is a command line split into positional arguments and
// `--name VALUE` / `--name=VALUE` / `--switch` flags.
struct ParsedFlags {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // flag name without dashes -> value
  std::set<std::string> switches;             // boolean flags that were given

  std::optional<std::string> Get(const std::string& name) const;
  bool Has(const std::string& name) const { return switches.contains(name); }
};

// ParseFlags parses `args` against the flags a command accepts. Fails with
// INVALID_ARGUMENT for an unknown flag, a value flag without a value, a flag
// given twice, or more than `max_positional` positional arguments.
[[nodiscard]] absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                                     const std::set<std::string>& value_flags,
                                                     const std::set<std::string>& switch_flags,
                                                     size_t max_positional = 0);

}  // namespace authnet
