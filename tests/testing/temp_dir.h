#pragma once

#include <filesystem>

namespace authnet::testing {

// TempDir is a fresh directory under the test's temporary root, removed
// with everything in it when the TempDir goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace authnet::testing
