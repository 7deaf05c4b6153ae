#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace authnet::bench {

// WireCounter is a loopback TCP relay that counts every byte it forwards:
// a node dials the relay's address instead of its peer's, and the bench
// reads the bytes that crossed the wire (TLS records included) in each
// direction. One thread per direction per connection; for benchmarks only.
class WireCounter {
 public:
  // Start listens on 127.0.0.1:0 and relays each connection to `target_port`.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WireCounter>> Start(int target_port);
  ~WireCounter();

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Bytes sent by the dialing side (requests) and by the target (responses).
  uint64_t upstream() const { return upstream_.load(); }
  uint64_t downstream() const { return downstream_.load(); }
  uint64_t total() const { return upstream() + downstream(); }

 private:
  WireCounter(int listen_fd, int port, int target_port)
      : listen_fd_(listen_fd), port_(port), target_port_(target_port) {}
  void Accept();
  void Pump(int from, int to, std::atomic<uint64_t>* counter);

  const int listen_fd_;
  const int port_;
  const int target_port_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> upstream_{0};
  std::atomic<uint64_t> downstream_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> fds_;  // guarded by mu_
  std::vector<std::thread> pumps_;  // guarded by mu_
};

}  // namespace authnet::bench
