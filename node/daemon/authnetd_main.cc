// authnetd: the authnet node. main parses flags, wires a Node up and waits
// for SIGTERM or SIGINT, then drains in-flight calls and exits 0.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "node/core/flag_parser.h"
#include "node/daemon/log_setup.h"
#include "node/daemon/node.h"

namespace {

constexpr char kUsage[] =
    "usage: authnetd --bundle BUNDLE_DIR --data DATA_DIR --peer-listen HOST:PORT\n"
    "                --api-listen unix:PATH|HOST:PORT [--peers HOST:PORT,...]\n"
    "                [--config FILE] [--log-format text|json]\n";

int Usage(const std::string& error) {
  std::fprintf(stderr, "authnetd: %s\n%s", error.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's abseil is built with Mutex deadlock detection on, which keeps a
  // lock graph on every acquisition; the tests keep it, production skips it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<authnet::ParsedFlags> flags = authnet::ParseFlags(
      args, {"bundle", "data", "peer-listen", "api-listen", "peers", "config", "log-format"},
      {"help"});
  if (!flags.ok()) {
    return Usage(std::string(flags.status().message()));
  }
  if (flags->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  authnet::NodeOptions options;
  for (const char* required : {"bundle", "data", "peer-listen", "api-listen"}) {
    if (!flags->Get(required)) {
      return Usage(std::string("--") + required + " is required");
    }
  }
  if (flags->Get("config")) {
    return Usage(
        "--config: configuration files are not supported by this build yet; "
        "set options with flags");
  }
  options.bundle_dir = *flags->Get("bundle");
  options.data_dir = *flags->Get("data");
  options.peer_listen = *flags->Get("peer-listen");
  options.api_listen = *flags->Get("api-listen");
  if (auto peers = flags->Get("peers")) {
    options.peers = absl::StrSplit(*peers, ',', absl::SkipEmpty());
  }
  absl::StatusOr<std::shared_ptr<spdlog::sinks::sink>> sink =
      authnet::MakeLogSink(flags->Get("log-format").value_or("text"));
  if (!sink.ok()) {
    return Usage(std::string(sink.status().message()));
  }

  // Files are created private (0600) explicitly; the api socket is left
  // usable by authnetd's group, so checkout services can be given access.
  umask(007);
  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  authnet::RouteGrpcLogs(authnet::MakeLogger("grpc", *sink));
  authnet::SystemClock clock;
  absl::StatusOr<std::unique_ptr<authnet::Node>> node =
      authnet::Node::Create(options, clock, *sink);
  if (!node.ok()) {
    std::fprintf(stderr, "authnetd: %s\n", std::string(node.status().message()).c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  auto log = authnet::MakeLogger("node", *sink);
  log->info("received {}; draining in-flight calls", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*node)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  node->reset();
  log->info("authnetd stopped");
  return 0;
}
