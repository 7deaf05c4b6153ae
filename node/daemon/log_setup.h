#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/sink.h"

namespace authnet {

// MakeLogSink returns a stderr sink writing "text" lines
// ("2026-11-21T20:00:00.123Z info  [store] ...") or "json" lines
// ({"ts":"...","level":"info","logger":"store","msg":"..."}), dropping
// lines below `level` (trace, debug, info, warn or error). Any other format
// or level is INVALID_ARGUMENT.
[[nodiscard]] absl::StatusOr<std::shared_ptr<spdlog::sinks::sink>> MakeLogSink(
    const std::string& format, const std::string& level = "info");

// SetLogLevel makes `sink` drop lines below `level` from now on, for every
// logger writing to it (a configuration reload). INVALID_ARGUMENT for a
// level MakeLogSink would refuse; the sink is then unchanged.
[[nodiscard]] absl::Status SetLogLevel(spdlog::sinks::sink& sink, const std::string& level);

// MakeLogger returns a logger named after its component, writing to `sink`;
// the sink's level, now and after SetLogLevel, decides which lines are written.
std::shared_ptr<spdlog::logger> MakeLogger(const std::string& component,
                                           std::shared_ptr<spdlog::sinks::sink> sink);

// RouteGrpcLogs sends gRPC's own log lines to `logger` (call early), so
// they share authnetd's format; each line of gRPC's code is logged at most
// every 10 s, with a count of those held back (a client could otherwise
// write a line per failed handshake). gRPC's complaint that a peer's
// certificate names no host is dropped: peers are identified by the member
// id in their certificate, never by host name, so it is expected.
void RouteGrpcLogs(std::shared_ptr<spdlog::logger> logger);

// RouteProtobufLogs does the same for libprotobuf's lines (which would go
// to stderr one per call: "String field ... contains invalid UTF-8" for
// every malformed request).
void RouteProtobufLogs(std::shared_ptr<spdlog::logger> logger);

}  // namespace authnet
