#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>

namespace authnet {

// FileStamp identifies one version of a file by inode, size and
// modification time, so a watcher can tell that a file changed (or was
// replaced by a rename) without reading it.
struct FileStamp {
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;

  // Of stamps `path`; a missing file has the all-zero stamp.
  static FileStamp Of(const std::filesystem::path& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      return {};
    }
    return {st.st_ino, st.st_size, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec};
  }

  bool operator==(const FileStamp&) const = default;
};

}  // namespace authnet
