#pragma once

#include <atomic>

namespace authnet::testing {

// FaultyDisk makes every SQLite database opened while it lives sit on a
// disk that can be "filled": while full, every write and sync of a
// database, journal or WAL file fails with SQLITE_FULL (ENOSPC), as on a
// full disk. It wraps the default VFS and registers itself as the default;
// the destructor restores the previous default. One at a time.
class FaultyDisk {
 public:
  FaultyDisk();
  ~FaultyDisk();
  FaultyDisk(const FaultyDisk&) = delete;
  FaultyDisk& operator=(const FaultyDisk&) = delete;

  void SetFull(bool full) { full_.store(full); }
  // Writes refused since the disk was created.
  int refused_writes() const { return refused_.load(); }

  static std::atomic<bool> full_;
  static std::atomic<int> refused_;
};

}  // namespace authnet::testing
