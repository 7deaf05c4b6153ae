#include "node/store/log_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <future>

#include "node/crypto/ed25519_key.h"
#include "node/store/log_reader.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

StoredBatch MakeBatch(const std::string& origin, uint64_t first, uint64_t last) {
  v1::BatchBody body;
  body.set_network("testnet");
  body.set_origin(origin);
  body.set_first_seq(first);
  body.set_last_seq(last);
  for (uint64_t seq = first; seq <= last; ++seq) {
    v1::Record* r = body.add_records();
    r->set_seq(seq);
    r->set_digest(std::string(32, static_cast<char>(seq)));
    r->set_kind(v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  }
  StoredBatch b{origin, first, last, {}};
  b.batch.set_body(body.SerializeAsString());
  b.batch.set_signature(std::string(64, 's'));
  return b;
}

TEST(LogStoreTest, CommitsAndReadsBackBatches) {
  testing::TempDir dir;
  auto store = LogStore::Open(dir.path() / "data", "testnet", "acme");
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit({MakeBatch("acme", 1, 3)}, {}).ok());
  ASSERT_TRUE((*store)->Commit({MakeBatch("acme", 4, 4)}, {}).ok());
  EXPECT_EQ(*(*store)->LastSeq("acme"), 4u);
  EXPECT_EQ(*(*store)->LastSeq("other"), 0u);

  auto rec = (*store)->FindRecord("acme", 2);
  ASSERT_TRUE(rec.ok());
  ASSERT_TRUE(rec->has_value());
  EXPECT_EQ((*rec)->seq(), 2u);
  EXPECT_FALSE((*(*store)->FindRecord("acme", 5)).has_value());

  std::vector<uint64_t> firsts;
  ASSERT_TRUE((*store)
                  ->ForEachBatch([&](const StoredBatch& b) {
                    firsts.push_back(b.first_seq);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(firsts, (std::vector<uint64_t>{1, 4}));
}

// Pull collects synchronously enough for a test: wait on a promise.
absl::StatusOr<PullResult> PullAll(LogReader& reader, const std::string& origin, uint64_t head) {
  std::promise<absl::StatusOr<PullResult>> done;
  reader.Pull({}, {{origin, head}}, 0,
              [&](absl::StatusOr<PullResult> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

TEST(LogReaderTest, APullResponseStaysWithinItsByteBudgetButCarriesAtLeastOneBatch) {
  testing::TempDir dir;
  auto store = LogStore::Open(dir.path() / "data", "testnet", "acme");
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<StoredBatch> batches = {MakeBatch("acme", 1, 10), MakeBatch("acme", 11, 20),
                                      MakeBatch("acme", 21, 30)};
  ASSERT_TRUE((*store)->Commit(batches, {}).ok());
  size_t one = batches[0].batch.body().size() + batches[0].batch.signature().size() + 32;

  auto roomy = LogReader::Open(dir.path() / "data", 10 * one);
  ASSERT_TRUE(roomy.ok()) << roomy.status();
  auto all = PullAll(**roomy, "acme", 30);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->batches.size(), 3u);
  EXPECT_FALSE(all->more);

  auto two = LogReader::Open(dir.path() / "data", 2 * one + one / 2);
  auto part = PullAll(**two, "acme", 30);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->batches.size(), 2u);
  EXPECT_TRUE(part->more);

  // A budget below one batch still sends one, or sync could never advance.
  auto tiny = LogReader::Open(dir.path() / "data", 1);
  auto first = PullAll(**tiny, "acme", 30);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->batches.size(), 1u);
  EXPECT_TRUE(first->more);
}

TEST(LogStoreTest, DatabaseIsWalWithFullSyncAndPrivate) {
  testing::TempDir dir;
  auto store = LogStore::Open(dir.path(), "testnet", "acme");
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit({MakeBatch("acme", 1, 1)}, {}).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "authnet.db-wal"));
  struct stat st {};
  ASSERT_EQ(stat((dir.path() / "authnet.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "database readable by group or others";
}

TEST(LogStoreTest, IdempotencyEntriesPersist) {
  testing::TempDir dir;
  std::string key(32, 'k');
  {
    auto store = LogStore::Open(dir.path(), "testnet", "acme");
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(
        (*store)->Commit({MakeBatch("acme", 1, 2)}, {{key, std::string(32, 'r'), 1, 2, 7}}).ok());
  }
  auto store = LogStore::Open(dir.path(), "testnet", "acme");
  ASSERT_TRUE(store.ok());
  auto entry = (*store)->FindIdempotency(key);
  ASSERT_TRUE(entry.ok());
  ASSERT_TRUE(entry->has_value());
  EXPECT_EQ((*entry)->first_seq, 1u);
  EXPECT_EQ((*entry)->count, 2u);
  EXPECT_EQ((*entry)->request_hash, std::string(32, 'r'));
  EXPECT_FALSE((*(*store)->FindIdempotency(std::string(32, 'x'))).has_value());
}

TEST(LogStoreTest, FailedCommitWritesNothing) {
  testing::TempDir dir;
  auto store = LogStore::Open(dir.path(), "testnet", "acme");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Commit({MakeBatch("acme", 1, 1)}, {}).ok());
  // The second batch collides with the first: the whole transaction fails,
  // including the new batch listed before it.
  absl::Status st = (*store)->Commit({MakeBatch("acme", 2, 2), MakeBatch("acme", 1, 1)}, {});
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(*(*store)->LastSeq("acme"), 1u);
}

TEST(LogStoreTest, RefusesAnotherMembersDataDir) {
  testing::TempDir dir;
  { ASSERT_TRUE(LogStore::Open(dir.path(), "testnet", "acme").ok()); }
  auto other = LogStore::Open(dir.path(), "testnet", "globex");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("belongs to member 'acme'"), absl::string_view::npos)
      << other.status();
  auto other_net = LogStore::Open(dir.path(), "othernet", "acme");
  ASSERT_FALSE(other_net.ok());
  EXPECT_NE(other_net.status().message().find("network 'testnet'"), absl::string_view::npos);
}

TEST(LogStoreTest, RefusesASecondOpenWhileLocked) {
  testing::TempDir dir;
  auto first = LogStore::Open(dir.path(), "testnet", "acme");
  ASSERT_TRUE(first.ok());
  auto second = LogStore::Open(dir.path(), "testnet", "acme");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("another authnetd"), absl::string_view::npos);
}

TEST(LogStoreTest, RefusesANewerSchema) {
  testing::TempDir dir;
  {
    auto store = LogStore::Open(dir.path(), "testnet", "acme");
    ASSERT_TRUE(store.ok());
  }
  {
    auto db = SqliteDb::Open((dir.path() / "authnet.db").string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version=99").ok());
  }
  auto store = LogStore::Open(dir.path(), "testnet", "acme");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("schema version 99"), absl::string_view::npos);
}

TEST(LogStoreTest, RefusesAFileThatIsNotADatabase) {
  testing::TempDir dir;
  FILE* f = fopen((dir.path() / "authnet.db").c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("this is not a sqlite database, just some text that is long enough to look like a header",
        f);
  fclose(f);
  auto store = LogStore::Open(dir.path(), "testnet", "acme");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace authnet
