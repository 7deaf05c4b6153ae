#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/daemon/node.h"

namespace authnet {

// DaemonOptions is everything authnetd runs with: the node's options and the
// process-level log settings.
struct DaemonOptions {
  NodeOptions node;
  std::string log_format = "text";  // --log-format, [log] format: text or json
  std::string log_level = "info";   // --log-level, [log] level
};

// ConfigFile reads an authnetd TOML configuration file (deploy/authnetd.toml
// is the commented example) into DaemonOptions. Every key is optional; an
// unknown key, a value of the wrong type or out of range is an error that
// names the file, line and key:
//
//   /etc/authnet/authnetd.toml:12: model.deny_risk: expected a number, found a string
//
// Command-line flags are applied after the file, so they win.
class ConfigFile {
 public:
  // Load parses `file` and applies each key it sets to `options` (keys it
  // does not set keep their values). INVALID_ARGUMENT as above, NOT_FOUND
  // when the file cannot be read.
  [[nodiscard]] static absl::StatusOr<ConfigFile> Load(const std::filesystem::path& file,
                                                       DaemonOptions& options);

  // Locate turns `st`, a validation error whose message starts with a field
  // or flag name ("deny_risk: 0.2 is outside ...", "--api-listen: ..."),
  // into one that names the file, line and key that set it. Errors about
  // settings the file did not make are returned as they are.
  absl::Status Locate(const absl::Status& st) const;

  // ChangedKeys lists, sorted, the keys whose value differs between this
  // file and `newer` (set in one and not the other, or set to another
  // value): what a reload changes, before flags are applied.
  std::vector<std::string> ChangedKeys(const ConfigFile& newer) const;

 private:
  explicit ConfigFile(std::filesystem::path file) : file_(std::move(file)) {}

  std::filesystem::path file_;
  std::map<std::string, int> lines_;           // "model.deny_risk" -> line
  std::map<std::string, std::string> values_;  // "model.deny_risk" -> "0.9"
};

}  // namespace authnet
