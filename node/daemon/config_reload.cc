#include "node/daemon/config_reload.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "node/daemon/log_setup.h"

namespace authnet {
namespace {

// kFlagKeys pairs each authnetd flag with the configuration key it sets.
constexpr std::pair<const char*, const char*> kFlagKeys[] = {
    {"bundle", "bundle"},
    {"data", "data"},
    {"store", "store.url"},
    {"replica", "store.replica"},
    {"peer-listen", "peer_listen"},
    {"api-listen", "api_listen"},
    {"metrics-listen", "metrics_listen"},
    {"http-listen", "api.http_listen"},
    {"api-tls-cert", "api.tls_cert"},
    {"api-tls-key", "api.tls_key"},
    {"api-require-tls", "api.require_tls"},
    {"log-format", "log.format"},
    {"log-level", "log.level"},
    {"peers", "peers"},
};

// The [model] keys that are not thresholds: the ttl new records get.
constexpr const char* kModelKeysNotLive[] = {"model.record_ttl_days", "model.lifecycle_ttl_days"};

std::string Keys(const std::vector<std::string>& keys) {
  return keys.empty() ? "none" : absl::StrJoin(keys, ", ");
}

}  // namespace

void ApplyFlags(const ParsedFlags& flags, DaemonOptions& o) {
  if (auto v = flags.Get("bundle")) o.node.bundle_dir = *v;
  if (auto v = flags.Get("data")) o.node.data_dir = *v;
  if (auto v = flags.Get("store")) o.node.store_url = *v;
  if (auto v = flags.Get("replica")) o.node.replica = *v;
  if (auto v = flags.Get("peer-listen")) o.node.peer_listen = *v;
  if (auto v = flags.Get("api-listen")) o.node.api_listen = *v;
  if (auto v = flags.Get("metrics-listen")) o.node.metrics_listen = *v;
  if (auto v = flags.Get("http-listen")) o.node.http_listen = *v;
  if (auto v = flags.Get("api-tls-cert")) o.node.api_tls_cert = *v;
  if (auto v = flags.Get("api-tls-key")) o.node.api_tls_key = *v;
  if (flags.Has("api-require-tls")) o.node.api_require_tls = true;
  if (auto v = flags.Get("log-format")) o.log_format = *v;
  if (auto v = flags.Get("log-level")) o.log_level = *v;
  if (auto v = flags.Get("peers")) {
    o.node.peers = absl::StrSplit(*v, ',', absl::SkipEmpty());
  }
}

std::set<std::string> KeysSetByFlags(const ParsedFlags& flags) {
  std::set<std::string> keys;
  for (const auto& [flag, key] : kFlagKeys) {
    if (flags.Get(flag) || flags.Has(flag)) {
      keys.insert(key);
    }
  }
  return keys;
}

bool TakesEffectLive(const std::string& key) {
  if (absl::StartsWith(key, "model.")) {
    return std::none_of(std::begin(kModelKeysNotLive), std::end(kModelKeysNotLive),
                        [&](const char* k) { return key == k; });
  }
  return key == "log.level" || key == "peers" || key == "limits.api_calls_per_second" ||
         key == "limits.api_burst" || key == "limits.peer_calls_per_second" ||
         key == "limits.peer_burst";
}

ConfigReloader::ConfigReloader(std::filesystem::path file, ParsedFlags flags, ConfigFile started,
                               DaemonOptions options, Node& node,
                               std::shared_ptr<spdlog::sinks::sink> sink,
                               std::shared_ptr<spdlog::logger> log)
    : file_(std::move(file)),
      flags_(std::move(flags)),
      flag_keys_(KeysSetByFlags(flags_)),
      started_(started),
      current_(std::move(started)),
      options_(std::move(options)),
      node_(node),
      sink_(std::move(sink)),
      log_(std::move(log)) {}

absl::StatusOr<ReloadOutcome> ConfigReloader::Reload() {
  DaemonOptions next;
  absl::StatusOr<ConfigFile> loaded = ConfigFile::Load(file_, next);
  if (!loaded.ok()) {
    return loaded.status();
  }
  ApplyFlags(flags_, next);
  absl::Status valid = next.node.model.Validate();
  if (valid.ok()) {
    valid = MakeLogSink(next.log_format, next.log_level).status();
  }
  if (valid.ok()) {
    valid = Node::CheckOptions(next.node);
  }
  if (!valid.ok()) {
    return loaded->Locate(valid);
  }
  ReloadOutcome outcome;
  std::vector<std::string> live;
  for (const std::string& key : current_.ChangedKeys(*loaded)) {
    if (flag_keys_.contains(key)) {
      outcome.overridden.push_back(key);
    } else if (TakesEffectLive(key)) {
      live.push_back(key);
    }
  }
  // Switching between a peers list and the roster's endpoints is a restart.
  const bool peers_switch = next.node.peers.empty() != options_.node.peers.empty();
  for (const std::string& key : started_.ChangedKeys(*loaded)) {
    if (!flag_keys_.contains(key) && (!TakesEffectLive(key) || (key == "peers" && peers_switch))) {
      outcome.restart.push_back(key);
    }
  }
  std::erase_if(live, [&](const std::string& k) { return k == "peers" && peers_switch; });
  if (absl::Status st = Apply(next, live); !st.ok()) {
    return st;
  }
  outcome.applied = live;
  current_ = *std::move(loaded);
  // Written even when the level just set is above info: the operator who
  // sent SIGHUP learns what it did.
  log_->log(
      std::max(spdlog::level::info, sink_->level()),
      "configuration reloaded from {}: applied {}; need a restart to take effect: {}{}",
      file_.string(), Keys(outcome.applied), Keys(outcome.restart),
      outcome.overridden.empty()
          ? ""
          : "; set by a command-line flag, which wins over the file: " + Keys(outcome.overridden));
  return outcome;
}

absl::Status ConfigReloader::Apply(const DaemonOptions& next,
                                   const std::vector<std::string>& keys) {
  auto changed = [&](absl::string_view prefix) {
    return std::any_of(keys.begin(), keys.end(),
                       [&](const std::string& k) { return absl::StartsWith(k, prefix); });
  };
  if (changed("log.level")) {
    if (absl::Status st = SetLogLevel(*sink_, next.log_level); !st.ok()) {
      return st;
    }
    options_.log_level = next.log_level;
  }
  if (changed("model.")) {
    node_.SetModelOptions(next.node.model);
    options_.node.model = next.node.model;
  }
  if (changed("limits.")) {
    node_.SetRateLimits(next.node.limits.api.rate, next.node.limits.peer.rate);
    options_.node.limits.api.rate = next.node.limits.api.rate;
    options_.node.limits.peer.rate = next.node.limits.peer.rate;
  }
  if (changed("peers")) {
    if (absl::Status st = node_.SetPeers(next.node.peers); !st.ok()) {
      return st;
    }
    options_.node.peers = next.node.peers;
  }
  return absl::OkStatus();
}

}  // namespace authnet
