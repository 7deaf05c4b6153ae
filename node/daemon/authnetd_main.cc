// authnetd: the authnet node. main reads the configuration (file, then
// flags), wires a Node up and waits for SIGTERM or SIGINT, then drains
// in-flight calls and exits 0.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "node/core/build_info.h"
#include "node/core/flag_parser.h"
#include "node/daemon/config_file.h"
#include "node/daemon/config_reload.h"
#include "node/daemon/log_setup.h"
#include "node/daemon/node.h"

namespace {

constexpr char kUsage[] =
    "usage: authnetd --bundle BUNDLE_DIR --data DATA_DIR --peer-listen HOST:PORT\n"
    "                --api-listen unix:PATH|HOST:PORT [--peers HOST:PORT,...]\n"
    "                [--config FILE] [--check-config] [--log-format text|json]\n"
    "                [--log-level trace|debug|info|warn|error] [--metrics-listen HOST:PORT]\n"
    "                [--api-tls-cert FILE --api-tls-key FILE [--api-require-tls]]\n"
    "                [--http-listen HOST:PORT]\n"
    "                [--store postgresql://... [--replica NAME]]\n"
    "       authnetd --version | --help\n"
    "Every flag may instead be set in the TOML file given with --config (see\n"
    "deploy/authnetd.toml); a flag on the command line wins over the file.\n"
    "--check-config validates the configuration (a file, flags or both), the bundle\n"
    "and whether the data directory is this member's, changes nothing, then exits.\n"
    "--http-listen serves the checkout api as HTTP/JSON too (POST /v1/check, ...).\n"
    "The api listeners serve TLS and require bearer tokens off loopback, and on\n"
    "loopback too with --api-require-tls (to try the remote setup on one host).\n"
    "--store keeps the log in PostgreSQL (any libpq connection string), shared by\n"
    "the member's replicas; without it, SQLite under --data.\n"
    "--version prints the version, git commit and library versions in one line.\n"
    "SIGHUP re-reads the --config file: log.level, the [model] thresholds, the\n"
    "api and peer rate limits and peers take effect; other keys need a restart\n"
    "(one log line names them); a bad file is refused and the running one kept.\n";

int Usage(const std::string& error) {
  std::fprintf(stderr, "authnetd: %s\n%s", error.c_str(), kUsage);
  return 2;
}

int ConfigError(const std::string& error) {
  std::fprintf(stderr, "authnetd: %s\n", error.c_str());
  return 1;
}

// RaiseFileLimit lifts the soft limit on open files to the hard one and
// warns if that is still short of what the connection limits allow (each
// gRPC connection holds two descriptors: gRPC's and its gate's), so that the
// limits refuse clients, not a failing accept(). (The gates accept again
// once descriptors free up; gRPC 1.51's own accept loop, which they replace,
// stopped for good: CVE-2023-4785.)
void RaiseFileLimit(const authnet::NodeOptions& options, spdlog::logger& log) {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) {
    return;
  }
  if (files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    getrlimit(RLIMIT_NOFILE, &files);
  }
  const auto& l = options.limits;
  rlim_t needed = 2 * static_cast<rlim_t>(l.api.connections.max_connections +
                                          l.peer.connections.max_connections) +
                  1024;  // the metrics listener, the store, peer links, spare
  if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < needed) {
    log.warn(
        "open files are limited to {}, fewer than the {} the connection limits may need; raise "
        "the limit (LimitNOFILE=, ulimit -n) or lower limits.api_max_connections and "
        "limits.peer_max_connections",
        files.rlim_cur, needed);
  }
}

// BlockStopSignals blocks SIGTERM, SIGINT and SIGHUP in every thread
// started after it (main waits for them with sigwait) and ignores SIGPIPE.
sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop_signals;
}

// LoadConfiguration reads the --config file, if given, then the flags into
// `options` (`config` keeps the file, for errors and reloads): nullopt to go
// on, else the exit status, the error printed.
std::optional<int> LoadConfiguration(const authnet::ParsedFlags& flags,
                                     authnet::DaemonOptions& options,
                                     std::optional<authnet::ConfigFile>& config) {
  if (auto file = flags.Get("config")) {
    absl::StatusOr<authnet::ConfigFile> loaded = authnet::ConfigFile::Load(*file, options);
    if (!loaded.ok()) {
      return ConfigError(std::string(loaded.status().message()));
    }
    config = *std::move(loaded);
  } else {
    for (const char* required : {"bundle", "data", "peer-listen", "api-listen"}) {
      if (!flags.Get(required)) {
        return Usage(std::string("--") + required + " is required");
      }
    }
  }
  authnet::ApplyFlags(flags, options);
  return std::nullopt;
}

// RouteLibraryLogs sends gRPC's and libprotobuf's log lines to `sink`.
void RouteLibraryLogs(const std::shared_ptr<spdlog::sinks::sink>& sink) {
  authnet::RouteGrpcLogs(authnet::MakeLogger("grpc", sink));
  authnet::RouteProtobufLogs(authnet::MakeLogger("protobuf", sink));
}

// WaitForStop waits for SIGTERM or SIGINT, which it returns; each SIGHUP
// meanwhile reloads the configuration file (without one, it says so).
int WaitForStop(const sigset_t& signals, authnet::ConfigReloader* reloader, spdlog::logger& log) {
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    if (reloader == nullptr) {
      log.warn("received SIGHUP: authnetd runs without --config, so there is no file to reload");
      continue;
    }
    if (absl::StatusOr<authnet::ReloadOutcome> done = reloader->Reload(); !done.ok()) {
      log.error("received SIGHUP: configuration refused, the running one is kept: {}",
                std::string(done.status().message()));
    }
  }
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's abseil is built with Mutex deadlock detection on, which keeps a
  // lock graph on every acquisition; the tests keep it, production skips it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  // --version wins over everything else, needing no configuration.
  if (std::find(args.begin(), args.end(), "--version") != args.end()) {
    std::printf("%s\n", authnet::VersionLine("authnetd").c_str());
    return 0;
  }
  absl::StatusOr<authnet::ParsedFlags> flags = authnet::ParseFlags(
      args,
      {"bundle", "data", "peer-listen", "api-listen", "peers", "config", "log-format", "log-level",
       "metrics-listen", "api-tls-cert", "api-tls-key", "store", "replica", "http-listen"},
      {"help", "check-config", "api-require-tls"});
  if (!flags.ok()) {
    return Usage(std::string(flags.status().message()));
  }
  if (flags->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  authnet::DaemonOptions options;
  std::optional<authnet::ConfigFile> config;
  if (std::optional<int> failed = LoadConfiguration(*flags, options, config)) {
    return *failed;
  }
  absl::StatusOr<std::shared_ptr<spdlog::sinks::sink>> sink =
      authnet::MakeLogSink(options.log_format, options.log_level);
  absl::Status valid = sink.status();
  if (valid.ok()) {
    valid = authnet::Node::CheckOptions(options.node);
  }
  if (!valid.ok()) {
    if (config) {
      valid = config->Locate(valid);
    }
    return ConfigError(std::string(valid.message()));
  }
  if (flags->Has("check-config")) {
    std::printf("authnetd: configuration OK (%s): member bundle %s, data %s\n",
                config ? flags->Get("config")->c_str() : "flags", options.node.bundle_dir.c_str(),
                options.node.data_dir.c_str());
    return 0;
  }

  // Files are created private (0600) explicitly; the api socket is left
  // usable by authnetd's group, so checkout services can be given access.
  umask(007);
  sigset_t stop_signals = BlockStopSignals();

  RouteLibraryLogs(*sink);
  RaiseFileLimit(options.node, *authnet::MakeLogger("node", *sink));
  authnet::SystemClock clock;
  absl::StatusOr<std::unique_ptr<authnet::Node>> node =
      authnet::Node::Create(options.node, clock, *sink);
  if (!node.ok()) {
    std::fprintf(stderr, "authnetd: %s\n", std::string(node.status().message()).c_str());
    return 1;
  }
  auto log = authnet::MakeLogger("node", *sink);
  std::optional<authnet::ConfigReloader> reloader;
  if (config) {
    reloader.emplace(*flags->Get("config"), *flags, *config, options, **node, *sink, log);
  }
  const int sig = WaitForStop(stop_signals, reloader ? &*reloader : nullptr, *log);
  log->info("received {}; draining in-flight calls", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*node)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  node->reset();
  log->info("authnetd stopped");
  return 0;
}
