#include "node/write/log_follower.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/notification.h"
#include "spdlog/sinks/null_sink.h"
#include "tests/testing/pg_cluster.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

StoredBatch Batch(const std::string& origin, uint64_t first, uint64_t last) {
  v1::BatchBody body;
  body.set_network("testnet");
  body.set_origin(origin);
  body.set_first_seq(first);
  body.set_last_seq(last);
  for (uint64_t s = first; s <= last; ++s) {
    body.add_records()->set_seq(s);
  }
  StoredBatch b{origin, first, last, {}};
  b.batch.set_body(body.SerializeAsString());
  return b;
}

// Two stores on one database play two replicas: what one commits, the
// other's follower announces.
TEST(LogFollowerTest, AnnouncesWhatAnotherReplicaCommitsInOrderAndWatchesMeta) {
  std::string url = testing::PgCluster::Shared().NewDatabase();
  testing::TempDir dir;
  auto mine = LogStore::Open(StoreLocation{dir.path() / "a", url, "a"}, "testnet", "acme");
  auto theirs = LogStore::Open(StoreLocation{dir.path() / "b", url, "b"}, "testnet", "acme");
  ASSERT_TRUE(mine.ok() && theirs.ok());

  absl::Mutex mu;
  std::map<std::string, uint64_t> held;
  std::vector<uint64_t> firsts;
  std::string meta;
  auto follower = LogFollower::Start(
      **mine, "testnet",
      [&] {
        absl::MutexLock lock(&mu);
        return held;
      },
      [&](const std::vector<v1::BatchBody>& bodies) {
        absl::MutexLock lock(&mu);
        for (const v1::BatchBody& b : bodies) {
          EXPECT_EQ(b.first_seq(), held[b.origin()] + 1) << "announced in order";
          held[b.origin()] = b.last_seq();
          firsts.push_back(b.first_seq());
        }
      },
      absl::Milliseconds(50),
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()));
  ASSERT_TRUE(follower.ok()) << follower.status();
  (*follower)->WatchMeta("roster", [&](const std::string& v) {
    absl::MutexLock lock(&mu);
    meta = v;
  });

  ASSERT_TRUE((*theirs)->Commit({Batch("acme", 1, 2)}, {}).ok());
  ASSERT_TRUE((*theirs)->Commit({Batch("acme", 3, 3), Batch("bolt", 1, 1)}, {}).ok());
  ASSERT_TRUE((*theirs)->PutMeta("roster", "v7").ok());
  auto deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    absl::MutexLock lock(&mu);
    if (held["acme"] == 3 && held["bolt"] == 1 && meta == "v7") {
      break;
    }
    mu.Unlock();
    absl::SleepFor(absl::Milliseconds(5));
    mu.Lock();
  }
  EXPECT_EQ((*follower)->lag().records, 0u);  // (not under mu: the follower takes it)
  absl::MutexLock lock(&mu);
  EXPECT_EQ(held["acme"], 3u);
  EXPECT_EQ(held["bolt"], 1u);
  EXPECT_EQ(meta, "v7");
}

}  // namespace
}  // namespace authnet
