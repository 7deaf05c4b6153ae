#include "node/core/flag_parser.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace authnet {

std::optional<std::string> ParsedFlags::Get(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) {
    return std::nullopt;
  }
  return it->second;
}

absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                       const std::set<std::string>& value_flags,
                                       const std::set<std::string>& switch_flags,
                                       size_t max_positional) {
  ParsedFlags out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.rfind("--", 0) != 0) {
      if (out.positional.size() >= max_positional) {
        return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
      }
      out.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (switch_flags.contains(name)) {
      if (value) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      }
      out.switches.insert(name);
      continue;
    }
    if (!value_flags.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    if (!out.values.emplace(name, *value).second) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " given twice"));
    }
  }
  return out;
}

}  // namespace authnet
