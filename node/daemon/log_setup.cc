#include "node/daemon/log_setup.h"

#include <grpc/support/log.h>

#include <chrono>
#include <cstring>
#include <ctime>

#include "absl/status/status.h"
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

absl::StatusOr<std::shared_ptr<spdlog::sinks::sink>> MakeLogSink(const std::string& format,
                                                                 const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  spdlog::level::level_enum lvl = spdlog::level::from_str(level);
  if (level != "trace" && level != "debug" && level != "info" && level != "warn" &&
      level != "error") {
    return absl::InvalidArgumentError("--log-level: must be trace, debug, info, warn or error");
  }
  sink->set_level(lvl);
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

// gpr_set_log_function takes a plain function; this is its only state, set
// once before any gRPC object exists and never changed.
std::shared_ptr<spdlog::logger>& GrpcLogger() {
  static auto* logger = new std::shared_ptr<spdlog::logger>();
  return *logger;
}

void LogFromGrpc(gpr_log_func_args* args) {
  if (std::strstr(args->message, "No match found for server name") != nullptr) {
    return;
  }
  spdlog::level::level_enum level = args->severity == GPR_LOG_SEVERITY_ERROR ? spdlog::level::err
                                    : args->severity == GPR_LOG_SEVERITY_INFO
                                        ? spdlog::level::info
                                        : spdlog::level::debug;
  GrpcLogger()->log(level, "{}", args->message);
}

}  // namespace

void RouteGrpcLogs(std::shared_ptr<spdlog::logger> logger) {
  GrpcLogger() = std::move(logger);
  gpr_set_log_function(&LogFromGrpc);
}

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& component,
                                           std::shared_ptr<spdlog::sinks::sink> sink) {
  spdlog::level::level_enum level = sink->level();
  auto logger = std::make_shared<spdlog::logger>(component, std::move(sink));
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace authnet
