#pragma once

#include <unistd.h>

#include <utility>

namespace authnet {

// UniqueFd owns a file descriptor and closes it when it goes out of scope.
// Movable, not copyable. Not thread-safe (like the int it wraps).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { Close(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Release gives up ownership and returns the descriptor.
  int Release() { return std::exchange(fd_, -1); }
  // Close closes now and reports close()'s error (0 if nothing was open),
  // which for a written file can be the first sign of a failed write.
  int Close() {
    if (fd_ < 0) {
      return 0;
    }
    return ::close(std::exchange(fd_, -1));
  }

 private:
  int fd_ = -1;
};

}  // namespace authnet
