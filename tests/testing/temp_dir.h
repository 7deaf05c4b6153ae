#pragma once

#include <filesystem>

namespace authnet::testing {

// TempDir is a fresh directory under GoogleTest's temp dir (TMPDIR),
// removed with everything in it when the object is destroyed.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace authnet::testing
