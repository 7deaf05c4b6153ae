#pragma once

#include <filesystem>

#include "absl/status/statusor.h"

namespace authnet {

// DirectoryLock is an exclusive advisory lock (flock) on `DIR/.lock` (or
// another file name), held until the object is destroyed. It keeps two
// authnetctl processes from changing one admin directory (or token file) at
// once. Move-only; not thread-safe.
class DirectoryLock {
 public:
  // Acquire takes the lock without waiting. FAILED_PRECONDITION if another
  // process holds it; INTERNAL on I/O errors.
  [[nodiscard]] static absl::StatusOr<DirectoryLock> Acquire(const std::filesystem::path& dir,
                                                             const char* file_name = ".lock");

  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace authnet
