#include "node/daemon/log_setup.h"

#include <google/protobuf/stubs/logging.h>
#include <grpc/support/log.h>

#include <chrono>
#include <cstring>
#include <ctime>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "node/core/clock.h"
#include "node/core/log_text.h"
#include "spdlog/formatter.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace authnet {
namespace {

void AppendJsonString(spdlog::memory_buf_t& dest, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  dest.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        dest.append(std::string_view("\\\""));
        break;
      case '\\':
        dest.append(std::string_view("\\\\"));
        break;
      case '\n':
        dest.append(std::string_view("\\n"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
          dest.append(std::string_view(esc, sizeof(esc)));
        } else {
          dest.push_back(c);
        }
    }
  }
  dest.push_back('"');
}

// JsonFormatter writes one JSON object per line, escaping the message.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(micros / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[40];
    size_t n = std::strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(ts + n, sizeof(ts) - n, ".%06lldZ", static_cast<long long>(micros % 1'000'000));
    dest.append(std::string_view("{\"ts\":"));
    AppendJsonString(dest, ts);
    dest.append(std::string_view(",\"level\":"));
    auto level = spdlog::level::to_string_view(msg.level);
    AppendJsonString(dest, std::string_view(level.data(), level.size()));
    dest.append(std::string_view(",\"logger\":"));
    AppendJsonString(dest, std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    dest.append(std::string_view(",\"msg\":"));
    AppendJsonString(dest, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

absl::Status SetLogLevel(spdlog::sinks::sink& sink, const std::string& level) {
  if (level != "trace" && level != "debug" && level != "info" && level != "warn" &&
      level != "error") {
    return absl::InvalidArgumentError("--log-level: must be trace, debug, info, warn or error");
  }
  sink.set_level(spdlog::level::from_str(level));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<spdlog::sinks::sink>> MakeLogSink(const std::string& format,
                                                                 const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (absl::Status st = SetLogLevel(*sink, level); !st.ok()) {
    return st;
  }
  if (format == "text") {
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %-5l [%n] %v", spdlog::pattern_time_type::utc));
  } else if (format == "json") {
    sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    return absl::InvalidArgumentError("--log-format: must be text or json");
  }
  return sink;
}

namespace {

// LibraryLog routes the log lines of a library (gRPC, protobuf) to a
// logger, at most one line per call site (file:line) every 10 s, with the
// number held back: a client must not be able to write a line per call
// (a malformed protobuf, a failed TLS handshake). Thread-safe.
class LibraryLog {
 public:
  void Set(std::shared_ptr<spdlog::logger> logger) {
    absl::MutexLock lock(&mu_);
    logger_ = std::move(logger);
  }

  void Log(spdlog::level::level_enum level, const char* file, int line, std::string_view text,
           int64_t every_micros = kEveryMicros) {
    std::shared_ptr<spdlog::logger> logger;
    uint64_t held_back = 0;
    {
      absl::MutexLock lock(&mu_);
      if (logger_ == nullptr) {
        return;
      }
      Site& site = sites_[absl::StrCat(file == nullptr ? "" : file, ":", line)];
      int64_t now = SteadyMicros();
      if (site.logged != 0 && now - site.logged < every_micros) {
        ++site.held_back;
        return;
      }
      site.logged = now;
      held_back = std::exchange(site.held_back, 0);
      logger = logger_;
    }
    // Escaped: a library line may quote what a client sent.
    std::string escaped = ForeignForLog(absl::string_view(text.data(), text.size()), 2048);
    if (held_back == 0) {
      logger->log(level, "{}", escaped);
    } else {
      logger->log(level, "{} ({} more like it in the last {} s not logged)", escaped, held_back,
                  every_micros / 1'000'000);
    }
  }

 private:
  static constexpr int64_t kEveryMicros = 10'000'000;
  struct Site {
    int64_t logged = 0;
    uint64_t held_back = 0;
  };
  absl::Mutex mu_;
  std::shared_ptr<spdlog::logger> logger_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Site> sites_ ABSL_GUARDED_BY(mu_);
};

// The libraries take plain functions: this is their only state, set once
// at start-up; it is never destroyed, as library threads may still log.
LibraryLog& GrpcLog() {
  static auto* log = new LibraryLog();
  return *log;
}
LibraryLog& ProtobufLog() {
  static auto* log = new LibraryLog();
  return *log;
}

// HandshakeFailure says in plain words what a failed TLS handshake that
// gRPC reports means; "" for any other line.
std::string HandshakeFailure(const char* file, const char* message) {
  auto has = [message](const char* what) { return std::strstr(message, what) != nullptr; };
  bool handshake = (file != nullptr && std::strstr(file, "ssl_transport_security") != nullptr) ||
                   has("Handshake failed") || has("andshaking failed");
  if (!handshake) {
    return "";
  }
  const char* what =
      has("wrong version number") || has("http request") || has("WRONG_VERSION")
          ? "a client spoke plaintext (no TLS) to a TLS listener"
      : has("did not return a certificate") || has("certificate required") ||
              has("PEER_DID_NOT_RETURN")
          ? "a client presented no certificate where mutual TLS is required (only members' "
            "nodes, with the network's certificates, may connect to the peer listener)"
      : has("certificate verify failed") || has("unknown ca") || has("bad certificate") ||
              has("CERTIFICATE_VERIFY_FAILED")
          ? "a certificate was not signed by the expected CA (a client of another network, or "
            "one that does not trust this node's certificate)"
          : "a TLS handshake with a connecting client failed";
  return absl::StrCat("TLS handshake refused: ", what, " (", message,
                      "); such lines are logged at most once a minute");
}

void LogFromGrpc(gpr_log_func_args* args) {
  if (std::strstr(args->message, "No match found for server name") != nullptr) {
    return;
  }
  if (std::string handshake = HandshakeFailure(args->file, args->message); !handshake.empty()) {
    GrpcLog().Log(spdlog::level::warn, "tls-handshake", 0, handshake, 60'000'000);
    return;
  }
  spdlog::level::level_enum level = args->severity == GPR_LOG_SEVERITY_ERROR ? spdlog::level::err
                                    : args->severity == GPR_LOG_SEVERITY_INFO
                                        ? spdlog::level::info
                                        : spdlog::level::debug;
  GrpcLog().Log(level, args->file, args->line, args->message);
}

void LogFromProtobuf(google::protobuf::LogLevel level, const char* file, int line,
                     const std::string& message) {
  spdlog::level::level_enum to = level >= google::protobuf::LOGLEVEL_ERROR ? spdlog::level::err
                                 : level == google::protobuf::LOGLEVEL_WARNING
                                     ? spdlog::level::warn
                                     : spdlog::level::info;
  ProtobufLog().Log(to, file, line, message);
}

}  // namespace

void RouteGrpcLogs(std::shared_ptr<spdlog::logger> logger) {
  GrpcLog().Set(std::move(logger));
  gpr_set_log_function(&LogFromGrpc);
}

void RouteProtobufLogs(std::shared_ptr<spdlog::logger> logger) {
  ProtobufLog().Set(std::move(logger));
  google::protobuf::SetLogHandler(&LogFromProtobuf);
}

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& component,
                                           std::shared_ptr<spdlog::sinks::sink> sink) {
  auto logger = std::make_shared<spdlog::logger>(component, std::move(sink));
  // Every line reaches the sink, which alone filters by level: a reload
  // (SetLogLevel) changes what every logger writes.
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace authnet
