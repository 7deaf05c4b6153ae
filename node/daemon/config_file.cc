#include "node/daemon/config_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

// A Setter applies one TOML value to its option, or says why it cannot.
using Setter = std::function<absl::Status(const toml::node&)>;

absl::Status WrongType(const toml::node& value, absl::string_view expected) {
  absl::string_view found = "a value";
  switch (value.type()) {
    case toml::node_type::string:
      found = "a string";
      break;
    case toml::node_type::integer:
      found = "an integer";
      break;
    case toml::node_type::floating_point:
      found = "a number";
      break;
    case toml::node_type::boolean:
      found = "a boolean";
      break;
    case toml::node_type::array:
      found = "an array";
      break;
    case toml::node_type::table:
      found = "a table";
      break;
    default:
      found = "a date or time";
  }
  return absl::InvalidArgumentError(absl::StrCat("expected ", expected, ", found ", found));
}

Setter String(std::string* out) {
  return [out](const toml::node& v) {
    if (!v.is_string()) {
      return WrongType(v, "a string");
    }
    *out = v.as_string()->get();
    return absl::OkStatus();
  };
}

Setter Path(std::filesystem::path* out) {
  return [out](const toml::node& v) {
    if (!v.is_string()) {
      return WrongType(v, "a path (a string)");
    }
    *out = v.as_string()->get();
    return absl::OkStatus();
  };
}

Setter StringList(std::vector<std::string>* out) {
  return [out](const toml::node& v) {
    if (!v.is_array()) {
      return WrongType(v, "an array of \"HOST:PORT\" strings");
    }
    std::vector<std::string> items;
    for (const toml::node& item : *v.as_array()) {
      if (!item.is_string()) {
        return WrongType(item, "an array of \"HOST:PORT\" strings");
      }
      items.push_back(item.as_string()->get());
    }
    *out = std::move(items);
    return absl::OkStatus();
  };
}

Setter Bool(bool* out) {
  return [out](const toml::node& v) {
    if (!v.is_boolean()) {
      return WrongType(v, "true or false");
    }
    *out = v.as_boolean()->get();
    return absl::OkStatus();
  };
}

// Integer: a whole number in [lo, hi], stored in T.
template <typename T>
Setter Integer(T* out, int64_t lo, int64_t hi) {
  return [out, lo, hi](const toml::node& v) {
    if (!v.is_integer()) {
      return WrongType(v, "a whole number");
    }
    int64_t n = v.as_integer()->get();
    if (n < lo || n > hi) {
      return absl::InvalidArgumentError(absl::StrCat(n, " is outside [", lo, ", ", hi, "]"));
    }
    *out = static_cast<T>(n);
    return absl::OkStatus();
  };
}

template <typename Duration>
Setter DurationOf(Duration* out, int64_t lo, int64_t hi) {
  return [out, lo, hi](const toml::node& v) {
    int64_t n = 0;
    if (absl::Status st = Integer(&n, lo, hi)(v); !st.ok()) {
      return st;
    }
    *out = Duration(n);
    return absl::OkStatus();
  };
}

// Number: an integer or a float (ranges are checked by the component's
// Validate, which knows how fields relate).
Setter Number(double* out) {
  return [out](const toml::node& v) {
    if (v.is_integer()) {
      *out = static_cast<double>(v.as_integer()->get());
    } else if (v.is_floating_point() && std::isfinite(v.as_floating_point()->get())) {
      *out = v.as_floating_point()->get();
    } else {
      return WrongType(v, "a number");
    }
    return absl::OkStatus();
  };
}

Setter Decision(v1::Decision* out) {
  return [out](const toml::node& v) {
    if (!v.is_string()) {
      return WrongType(v, "\"review\" or \"deny\"");
    }
    const std::string& s = v.as_string()->get();
    if (s == "review") {
      *out = v1::DECISION_REVIEW;
    } else if (s == "deny") {
      *out = v1::DECISION_DENY;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("'", s, "' is not a decision; use \"review\" or \"deny\""));
    }
    return absl::OkStatus();
  };
}

Setter OneOf(std::string* out, std::vector<std::string> allowed) {
  return [out, allowed](const toml::node& v) {
    if (!v.is_string()) {
      return WrongType(v, "a string");
    }
    const std::string& s = v.as_string()->get();
    for (const std::string& a : allowed) {
      if (s == a) {
        *out = s;
        return absl::OkStatus();
      }
    }
    std::string list;
    for (const std::string& a : allowed) {
      absl::StrAppend(&list, list.empty() ? "" : ", ", a);
    }
    return absl::InvalidArgumentError(absl::StrCat("'", s, "' is not one of ", list));
  };
}

// Fields maps every key a configuration file may set ("section.key", or
// "key" at the top level) to its option in `o`.
std::map<std::string, Setter> Fields(DaemonOptions& o) {
  constexpr int64_t kMax32 = std::numeric_limits<uint32_t>::max();
  NodeOptions& n = o.node;
  ModelOptions& m = n.model;
  return {
      {"bundle", Path(&n.bundle_dir)},
      {"data", Path(&n.data_dir)},
      {"store.url", String(&n.store_url)},
      {"store.replica", String(&n.replica)},
      {"peer_listen", String(&n.peer_listen)},
      {"api_listen", String(&n.api_listen)},
      {"metrics_listen", String(&n.metrics_listen)},
      {"peers", StringList(&n.peers)},
      {"log.format", OneOf(&o.log_format, {"text", "json"})},
      {"log.level", OneOf(&o.log_level, {"trace", "debug", "info", "warn", "error"})},
      {"api.tls_cert", Path(&n.api_tls_cert)},
      {"api.tls_key", Path(&n.api_tls_key)},
      {"api.require_tls", Bool(&n.api_require_tls)},
      {"api.http_listen", String(&n.http_listen)},
      {"model.deny_min_members", Integer(&m.deny_min_members, 1, 1000)},
      {"model.half_life_days", Number(&m.half_life_days)},
      {"model.review_risk", Number(&m.review_risk)},
      {"model.deny_risk", Number(&m.deny_risk)},
      {"model.member_cap", Number(&m.member_cap)},
      {"model.member_min_score", Number(&m.member_min_score)},
      {"model.local_deny_weight", Number(&m.local_deny_weight)},
      {"model.max_sales_per_unit", Integer(&m.max_sales_per_unit, 1, 1'000'000)},
      {"model.clone_decision", Decision(&m.clone_decision)},
      {"model.not_commissioned_decision", Decision(&m.not_commissioned_decision)},
      {"model.record_ttl_days", Integer(&n.checkout.ttl_days, 1, 36500)},
      {"model.lifecycle_ttl_days", Integer(&n.checkout.lifecycle_ttl_days, 1, 36500)},
      {"model.reputation_prior_bad", Number(&m.reputation_prior_bad)},
      {"model.reputation_prior_good", Number(&m.reputation_prior_good)},
      {"model.reputation_review_rate", Number(&m.reputation_review_rate)},
      {"model.reputation_deny_rate", Number(&m.reputation_deny_rate)},
      {"model.reputation_min_evidence", Number(&m.reputation_min_evidence)},
      {"model.alert_window_days", Integer(&m.alert_window_days, 1, 365)},
      {"model.alert_history_days", Integer(&m.alert_history_days, 1, 3650)},
      {"model.alert_min_records", Integer(&m.alert_min_records, 1, kMax32)},
      {"model.alert_rise", Number(&m.alert_rise)},
      {"limits.max_batch_checks", Integer(&n.checkout.max_batch_checks, 1, 1'000'000)},
      {"limits.max_retract_count", Integer(&n.checkout.max_retract_count, 1, 1'000'000)},
      {"limits.max_queued_writes", Integer(&n.writer.max_queued, 1, 100'000'000)},
      {"limits.max_batch_records", Integer(&n.writer.max_batch_records, 1, 65'536)},
      {"limits.api_max_message_bytes", Integer(&n.limits.api.max_message_bytes, 1024, 1 << 30)},
      {"limits.peer_max_message_bytes",
       Integer(&n.limits.peer.max_message_bytes, 8 << 20, 1 << 30)},
      {"limits.api_calls_per_second", Integer(&n.limits.api.rate.per_second, 0, 100'000'000)},
      {"limits.api_burst", Integer(&n.limits.api.rate.burst, 0, 100'000'000)},
      {"limits.peer_calls_per_second", Integer(&n.limits.peer.rate.per_second, 0, 1'000'000)},
      {"limits.peer_burst", Integer(&n.limits.peer.rate.burst, 0, 1'000'000)},
      {"limits.max_concurrent_streams", Integer(&n.limits.max_concurrent_streams, 1, 100'000)},
      {"limits.api_max_connections",
       Integer(&n.limits.api.connections.max_connections, 1, 1'000'000)},
      {"limits.api_max_connections_per_host",
       Integer(&n.limits.api.connections.max_per_host, 1, 1'000'000)},
      {"limits.peer_max_connections",
       Integer(&n.limits.peer.connections.max_connections, 1, 1'000'000)},
      {"limits.peer_max_connections_per_host",
       Integer(&n.limits.peer.connections.max_per_host, 1, 1'000'000)},
      {"limits.abusive_calls_per_second",
       Integer(&n.limits.abusive_calls.per_second, 1, 1'000'000)},
      {"limits.abusive_calls_burst", Integer(&n.limits.abusive_calls.burst, 1, 1'000'000)},
      {"limits.abuse_ban_seconds", DurationOf(&n.limits.abuse_ban, 0, 86'400)},
      {"limits.memory_quota_mb", Integer(&n.limits.memory_quota_mb, 16, 1 << 20)},
      {"limits.max_connection_age_s", DurationOf(&n.limits.max_connection_age, 60, 2'000'000)},
      {"sync.min_backoff_ms", DurationOf(&n.peer_links.min_backoff, 1, 3'600'000)},
      {"sync.max_backoff_ms", DurationOf(&n.peer_links.max_backoff, 1, 3'600'000)},
      {"sync.resync_period_ms", DurationOf(&n.peer_links.resync_period, 100, 86'400'000)},
      {"sync.call_timeout_ms", DurationOf(&n.peer_links.call_timeout, 100, 3'600'000)},
      {"sync.reload_interval_s", DurationOf(&n.reload_interval, 1, 3600)},
  };
}

int LineOf(const toml::node& v) { return static_cast<int>(v.source().begin.line); }

// TextOf is `v` as TOML writes it, to tell whether a key's value changed.
std::string TextOf(const toml::node& v) {
  std::ostringstream out;
  v.visit([&](const auto& n) { out << n; });
  return out.str();
}

}  // namespace

absl::StatusOr<ConfigFile> ConfigFile::Load(const std::filesystem::path& file,
                                            DaemonOptions& options) {
  ConfigFile config(file);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return absl::NotFoundError(absl::StrCat(
        file.string(), ": cannot read the configuration file (missing, or not a file)"));
  }
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.string(), ":", static_cast<int>(e.source().begin.line),
                     ": not valid TOML: ", std::string(e.description())));
  }
  std::map<std::string, Setter> fields = Fields(options);
  // Walks a table: sections are one level deep.
  std::function<absl::Status(const toml::table&, const std::string&)> walk =
      [&](const toml::table& table, const std::string& prefix) -> absl::Status {
    for (const auto& entry : table) {
      const toml::key& key = entry.first;
      const toml::node& value = entry.second;
      std::string name = prefix.empty() ? std::string(key.str())
                                        : absl::StrCat(prefix, ".", std::string(key.str()));
      auto error = [&](absl::string_view why) {
        return absl::InvalidArgumentError(
            absl::StrCat(file.string(), ":", LineOf(value), ": ", name, ": ", why));
      };
      if (value.is_table() && prefix.empty()) {
        bool known_section = false;
        for (const auto& [field, setter] : fields) {
          known_section |= absl::StartsWith(field, name + ".");
        }
        if (!known_section) {
          return error(
              "unknown section (sections are log, api, model, limits and sync; see "
              "deploy/authnetd.toml)");
        }
        if (absl::Status st = walk(*value.as_table(), name); !st.ok()) {
          return st;
        }
        continue;
      }
      auto field = fields.find(name);
      if (field == fields.end()) {
        return error("unknown key (see deploy/authnetd.toml for every key)");
      }
      if (absl::Status st = field->second(value); !st.ok()) {
        return error(st.message());
      }
      config.lines_[name] = LineOf(value);
      config.values_[name] = TextOf(value);
    }
    return absl::OkStatus();
  };
  if (absl::Status st = walk(root, ""); !st.ok()) {
    return st;
  }
  return config;
}

std::vector<std::string> ConfigFile::ChangedKeys(const ConfigFile& newer) const {
  std::vector<std::string> changed;
  for (const auto& [key, value] : values_) {
    auto other = newer.values_.find(key);
    if (other == newer.values_.end() || other->second != value) {
      changed.push_back(key);
    }
  }
  for (const auto& [key, value] : newer.values_) {
    if (!values_.contains(key)) {
      changed.push_back(key);
    }
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

absl::Status ConfigFile::Locate(const absl::Status& st) const {
  if (st.ok()) {
    return st;
  }
  absl::string_view message = st.message();
  size_t colon = message.find(':');
  if (colon == absl::string_view::npos) {
    return st;
  }
  std::string field(message.substr(0, colon));
  if (absl::StartsWith(field, "--")) {
    // A flag's name ("--api-listen") is its key's ("api_listen").
    field = field.substr(2);
    std::replace(field.begin(), field.end(), '-', '_');
  }
  // The key is `field` itself ("sync.min_backoff_ms", "api_listen") or a
  // section's field ("deny_risk" is "model.deny_risk").
  for (const auto& [key, line] : lines_) {
    std::string flat = key;
    std::replace(flat.begin(), flat.end(), '.', '_');  // "api.tls_cert" is --api-tls-cert
    if (key == field || flat == field || absl::EndsWith(key, absl::StrCat(".", field))) {
      return absl::Status(st.code(), absl::StrCat(file_.string(), ":", line, ": ", key, ":",
                                                  message.substr(colon + 1)));
    }
  }
  return st;
}

}  // namespace authnet
