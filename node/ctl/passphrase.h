#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "node/bundle/admin_dir.h"

namespace authnet::cli {

// ReadPassphraseFile returns the first line of `path` (no newline);
// INVALID_ARGUMENT if it is empty.
[[nodiscard]] absl::StatusOr<std::string> ReadPassphraseFile(const std::filesystem::path& path);

// PromptPassphrase asks on the controlling terminal, echo off; NOT_FOUND if
// there is no terminal (scripts). With `confirm`, asks twice and fails if
// the answers differ.
[[nodiscard]] absl::StatusOr<std::string> PromptPassphrase(const std::string& prompt, bool confirm);

// PassphraseSource is how signing commands decrypt admin keys: the file of
// --passphrase-file for every key, else a prompt per key on a terminal,
// else none (an encrypted key is then an error naming the flag).
PassphraseFn PassphraseSource(const std::optional<std::string>& passphrase_file);

}  // namespace authnet::cli
