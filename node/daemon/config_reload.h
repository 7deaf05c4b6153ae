#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/core/flag_parser.h"
#include "node/daemon/config_file.h"
#include "node/daemon/node.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/sink.h"

namespace authnet {

// ApplyFlags sets what authnetd's command line gives on top of the file's
// values: flags win over the file.
void ApplyFlags(const ParsedFlags& flags, DaemonOptions& options);

// KeysSetByFlags names the configuration keys `flags` set ("log.level" for
// --log-level), whose value in the file is therefore not in effect.
std::set<std::string> KeysSetByFlags(const ParsedFlags& flags);

// TakesEffectLive: a change of `key` applies to a running node: log.level,
// the [model] thresholds (not the ttl of new records), the api and peer
// rate limits, and the peers list. Every other key needs a restart.
bool TakesEffectLive(const std::string& key);

// What one reload did, by key.
struct ReloadOutcome {
  std::vector<std::string> applied;     // changed and in effect now
  std::vector<std::string> restart;     // differ from the running config; need a restart
  std::vector<std::string> overridden;  // changed in the file, but a flag sets them
};

// ConfigReloader re-reads authnetd's configuration file on request (SIGHUP)
// and applies what can change live to the running node; the file and flags
// it started with stay its reference for what needs a restart. Not
// thread-safe: one caller (main's signal loop).
class ConfigReloader {
 public:
  // `started` is the file as loaded at start; `flags` the command line;
  // `options` the configuration running now. `node`, `sink` and `log` must
  // outlive the reloader.
  ConfigReloader(std::filesystem::path file, ParsedFlags flags, ConfigFile started,
                 DaemonOptions options, Node& node, std::shared_ptr<spdlog::sinks::sink> sink,
                 std::shared_ptr<spdlog::logger> log);

  // Reload reads the file again. A file that does not load or validate is
  // refused with the error start-up would give (naming file, line and key),
  // and nothing changes. Otherwise the live keys that changed since the
  // last reload take effect, and it logs one line saying what was applied
  // and which changed keys need a restart.
  absl::StatusOr<ReloadOutcome> Reload();

 private:
  // Apply puts the live part of `next` into effect.
  absl::Status Apply(const DaemonOptions& next, const std::vector<std::string>& keys);

  const std::filesystem::path file_;
  const ParsedFlags flags_;
  const std::set<std::string> flag_keys_;
  const ConfigFile started_;
  ConfigFile current_;
  DaemonOptions options_;
  Node& node_;
  std::shared_ptr<spdlog::sinks::sink> sink_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace authnet
