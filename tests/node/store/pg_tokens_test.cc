#include "node/store/pg_tokens.h"

#include <gtest/gtest.h>

#include "node/store/log_store.h"
#include "tests/testing/pg_cluster.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

class PgTokensTest : public ::testing::Test {
 protected:
  PgTokensTest() : url_(testing::PgCluster::Shared().NewDatabase()) {}
  void OpenStore() {
    auto store = LogStore::Open(StoreLocation{dir_.path(), url_, "r"}, "testnet", "acme");
    ASSERT_TRUE(store.ok()) << store.status();
  }
  testing::TempDir dir_;
  std::string url_;
};

TEST_F(PgTokensTest, AdminsChangeTheSharedTokensAndReplicasSeeTheChange) {
  OpenStore();
  PgTokenSource source(url_, "test");
  auto first = source.ReadIfChanged();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->has_value()) << "the first read always answers";
  EXPECT_TRUE((*first)->empty());
  EXPECT_FALSE(source.ReadIfChanged()->has_value()) << "unchanged";

  ASSERT_TRUE(UpdatePgTokens(url_, [](std::vector<ApiToken>& t) {
                t.push_back({"ops", ApiRole::kAdmin, std::string(32, 'a')});
                return absl::OkStatus();
              }).ok());
  auto after = source.ReadIfChanged();
  ASSERT_TRUE(after.ok() && after->has_value());
  ASSERT_EQ((*after)->size(), 1u);
  EXPECT_EQ((**after)[0].name, "ops");
  EXPECT_EQ((**after)[0].role, ApiRole::kAdmin);
  EXPECT_EQ((**after)[0].sha256, std::string(32, 'a'));

  // A change that fails stores nothing.
  absl::Status refused = UpdatePgTokens(url_, [](std::vector<ApiToken>& t) {
    t.clear();
    return absl::AlreadyExistsError("no");
  });
  EXPECT_EQ(refused.code(), absl::StatusCode::kAlreadyExists);
  auto still = ReadPgTokens(url_);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->size(), 1u);
}

TEST_F(PgTokensTest, ADatabaseWithoutANodeSaysToStartOneFirst) {
  absl::Status st = UpdatePgTokens(url_, [](std::vector<ApiToken>&) { return absl::OkStatus(); });
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_NE(st.message().find("start authnetd with this --store first"), absl::string_view::npos);
}

TEST_F(PgTokensTest, AnUnreachableServerIsUnavailable) {
  PgTokenSource source("host=" + (dir_.path() / "nothing").string(), "test");
  auto read = source.ReadIfChanged();
  EXPECT_EQ(read.status().code(), absl::StatusCode::kUnavailable) << read.status();
}

}  // namespace
}  // namespace authnet
