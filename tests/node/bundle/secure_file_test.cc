#include "node/bundle/secure_file.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

TEST(NumberedFilesTest, ListsPrefixNumberSuffixInOrder) {
  testing::TempDir dir;
  for (const char* name : {"admin-2.key", "admin-10.key", "admin-1.key", "admin-01.key",
                           "admin-.key", "admin-x.key", "admin-3.key.tmp", "other-1.key"}) {
    ASSERT_TRUE(WriteFileAtomically(dir.path() / name, "k", 0600).ok()) << name;
  }
  std::map<uint64_t, std::filesystem::path> found = NumberedFiles(dir.path(), "admin-", ".key");
  std::vector<std::pair<uint64_t, std::string>> got;
  for (const auto& [n, path] : found) {
    got.emplace_back(n, path.filename().string());
  }
  EXPECT_THAT(got, ::testing::ElementsAre(std::pair<uint64_t, std::string>{1, "admin-1.key"},
                                          std::pair<uint64_t, std::string>{2, "admin-2.key"},
                                          std::pair<uint64_t, std::string>{10, "admin-10.key"}));
  EXPECT_TRUE(NumberedFiles(dir.path() / "missing", "admin-", ".key").empty());
}

}  // namespace
}  // namespace authnet
