#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "node/core/flag_parser.h"

namespace authnet::cli {

// Exit statuses of every authnetctl command (docs/architecture.md §4).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Usage prints "authnetctl COMMAND: WHAT" on stderr and returns kExitUsage.
inline int Usage(absl::string_view command, absl::string_view what) {
  std::string line = absl::StrCat("authnetctl ", command, ": ", what, "\n");
  std::fputs(line.c_str(), stderr);
  return kExitUsage;
}

// Failure prints "authnetctl COMMAND: WHAT: WHY" and returns kExitFailure.
inline int Failure(absl::string_view command, absl::string_view what, const absl::Status& why) {
  std::string line = absl::StrCat("authnetctl ", command, ": ", what, ": ", why.message(), "\n");
  std::fputs(line.c_str(), stderr);
  return kExitFailure;
}

// FailureOrUsage: a value the user typed that fails validation
// (INVALID_ARGUMENT) is bad usage, anything else an operational failure.
inline int FailureOrUsage(absl::string_view command, absl::string_view what,
                          const absl::Status& why) {
  if (absl::IsInvalidArgument(why)) {
    return Usage(command, why.message());
  }
  return Failure(command, what, why);
}

inline void Print(absl::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// RequiredFlag returns --name's value, or nullopt after printing the usage
// error.
inline std::optional<std::string> RequiredFlag(absl::string_view command, const ParsedFlags& flags,
                                               const std::string& name) {
  std::optional<std::string> value = flags.Get(name);
  if (!value || value->empty()) {
    Usage(command, absl::StrCat("--", name, " is required"));
    return std::nullopt;
  }
  return value;
}

}  // namespace authnet::cli
