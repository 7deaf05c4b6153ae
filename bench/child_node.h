#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace authnet::bench {

// ChildNode is an authnetd process the benchmark started, with its stderr
// in a log file: measured alone (its RSS), apart from the benchmark's own
// memory. The destructor stops it (SIGTERM, then waits).
class ChildNode {
 public:
  // Start runs `args` (after the authnetd beside authnet-bench) with stderr
  // to `log`.
  [[nodiscard]] static absl::StatusOr<ChildNode> Start(const std::vector<std::string>& args,
                                                       const std::string& log);
  ChildNode(ChildNode&& other) noexcept : pid_(other.pid_), log_(std::move(other.log_)) {
    other.pid_ = -1;
  }
  ChildNode& operator=(ChildNode&&) = delete;
  ~ChildNode() { Stop(); }

  pid_t pid() const { return pid_; }
  const std::string& log() const { return log_; }
  // Exited: the process ended by itself (a failed start).
  bool Exited();
  void Stop();
  // StatusMb reads a "VmRSS"-style field of /proc/PID/status, in MB.
  double StatusMb(const std::string& field) const;

 private:
  ChildNode(pid_t pid, std::string log) : pid_(pid), log_(std::move(log)) {}
  pid_t pid_;
  std::string log_;
};

// AuthnetdPath is the authnetd beside this authnet-bench.
std::string AuthnetdPath();

}  // namespace authnet::bench
