#include "node/store/log_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <future>

#include "node/crypto/ed25519_key.h"
#include "node/store/log_reader.h"
#include "node/store/pg_conn.h"
#include "node/store/sqlite_db.h"
#include "tests/testing/pg_cluster.h"
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

// Engine opens a store of one engine; the suite below runs on both.
enum class Engine { kSqlite, kPostgres };

class LogStoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  LogStoreTest() {
    if (GetParam() == Engine::kPostgres) {
      url_ = testing::PgCluster::Shared().NewDatabase();
    }
  }
  absl::StatusOr<std::unique_ptr<LogStore>> Open(const std::string& network = "testnet",
                                                 const std::string& member = "acme") {
    return LogStore::Open(StoreLocation{dir_.path() / "data", url_, "test-replica"}, network,
                          member);
  }
  // Read runs `fn` in a write transaction (rolled back).
  template <typename Fn>
  auto Read(LogStore& store, Fn fn) {
    auto txn = store.Begin();
    EXPECT_TRUE(txn.ok()) << txn.status();
    return fn(**txn);
  }

  testing::TempDir dir_;
  std::string url_;
};

INSTANTIATE_TEST_SUITE_P(Engines, LogStoreTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const ::testing::TestParamInfo<Engine>& info) {
                           return info.param == Engine::kSqlite ? "sqlite" : "postgres";
                         });

TEST_P(LogStoreTest, CommitsAndReadsBackBatches) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit({MakeBatch("acme", 1, 3)}, {}).ok());
  ASSERT_TRUE((*store)->Commit({MakeBatch("acme", 4, 4)}, {}).ok());
  EXPECT_EQ(*(*store)->LastSeq("acme"), 4u);
  EXPECT_EQ(*(*store)->LastSeq("other"), 0u);

  Read(**store, [](WriteTxn& txn) {
    auto rec = txn.FindRecord("acme", 2);
    ASSERT_TRUE(rec.ok()) << rec.status();
    ASSERT_TRUE(rec->has_value());
    EXPECT_EQ((*rec)->seq(), 2u);
    EXPECT_FALSE((*txn.FindRecord("acme", 5)).has_value());
    auto batch = txn.FindBatch("acme", 4);
    ASSERT_TRUE(batch.ok() && batch->has_value());
    EXPECT_EQ((*batch)->body(), MakeBatch("acme", 4, 4).batch.body());
    EXPECT_FALSE((*txn.FindBatch("acme", 2)).has_value());
  });

  std::vector<uint64_t> firsts;
  ASSERT_TRUE((*store)
                  ->ForEachBatch([&](const StoredBatch& b) {
                    firsts.push_back(b.first_seq);
                    EXPECT_EQ(b.batch.signature(), std::string(64, 's'));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(firsts, (std::vector<uint64_t>{1, 4}));
}

TEST_P(LogStoreTest, ReaderSeesHeadsAndBatchesBeyondASeq) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(
      (*store)
          ->Commit({MakeBatch("acme", 1, 3), MakeBatch("acme", 4, 6), MakeBatch("bolt", 1, 2)}, {})
          .ok());
  auto reader = (*store)->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto heads = (*reader)->Heads();
  ASSERT_TRUE(heads.ok()) << heads.status();
  EXPECT_EQ(*heads, (std::map<std::string, uint64_t>{{"acme", 6}, {"bolt", 2}}));
  std::vector<uint64_t> firsts;
  ASSERT_TRUE((*reader)
                  ->ReadBeyond("acme", 2, 10,
                               [&](StoredBatch&& b) {
                                 firsts.push_back(b.first_seq);
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(firsts, (std::vector<uint64_t>{1, 4})) << "the batch holding seq 3 comes first";
}

TEST_P(LogStoreTest, IdempotencyEntriesPersist) {
  std::string key(32, 'k');
  {
    auto store = Open();
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(
        (*store)->Commit({MakeBatch("acme", 1, 2)}, {{key, std::string(32, 'r'), 1, 2, 7}}).ok());
  }
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Read(**store, [&](WriteTxn& txn) {
    auto entry = txn.FindIdempotency(key);
    ASSERT_TRUE(entry.ok()) << entry.status();
    ASSERT_TRUE(entry->has_value());
    EXPECT_EQ((*entry)->first_seq, 1u);
    EXPECT_EQ((*entry)->count, 2u);
    EXPECT_EQ((*entry)->day, 7u);
    EXPECT_EQ((*entry)->request_hash, std::string(32, 'r'));
    EXPECT_FALSE((*txn.FindIdempotency(std::string(32, 'x'))).has_value());
  });
}

TEST_P(LogStoreTest, FailedCommitWritesNothing) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Commit({MakeBatch("acme", 1, 1)}, {}).ok());
  // The second batch collides with the first: the whole transaction fails,
  // including the new batch listed before it.
  absl::Status st = (*store)->Commit({MakeBatch("acme", 2, 2), MakeBatch("acme", 1, 1)}, {});
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(*(*store)->LastSeq("acme"), 1u);
  // And the store takes writes afterwards.
  EXPECT_TRUE((*store)->Commit({MakeBatch("acme", 2, 2)}, {}).ok());
}

TEST_P(LogStoreTest, AnAbandonedTransactionWritesNothing) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  {
    auto txn = (*store)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put({MakeBatch("acme", 1, 1)}, {}).ok());
    EXPECT_EQ(*(*txn)->LastSeq("acme"), 1u) << "a transaction reads what it wrote";
  }
  EXPECT_EQ(*(*store)->LastSeq("acme"), 0u);
}

TEST_P(LogStoreTest, MetaValuesPersist) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutMeta("roster_floor", "7").ok());
    ASSERT_TRUE((*store)->PutMeta("roster_floor", "8").ok());
    EXPECT_TRUE((*store)->Probe().ok());
  }
  auto store = Open();
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(**(*store)->GetMeta("roster_floor"), "8");
  EXPECT_FALSE((*(*store)->GetMeta("nothing")).has_value());
}

TEST_P(LogStoreTest, RefusesAnotherMembersStore) {
  { ASSERT_TRUE(Open().ok()); }
  auto other = Open("testnet", "globex");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("belongs to member 'acme'"), absl::string_view::npos)
      << other.status();
  auto other_net = Open("othernet", "acme");
  ASSERT_FALSE(other_net.ok());
  EXPECT_NE(other_net.status().message().find("network 'testnet'"), absl::string_view::npos);
}

// Pull collects synchronously enough for a test: wait on a promise.
absl::StatusOr<PullResult> PullAll(LogReader& reader, const std::string& origin, uint64_t head) {
  std::promise<absl::StatusOr<PullResult>> done;
  reader.Pull({}, {{origin, head}}, 0,
              [&](absl::StatusOr<PullResult> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

TEST_P(LogStoreTest, APullResponseStaysWithinItsByteBudgetButCarriesAtLeastOneBatch) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<StoredBatch> batches = {MakeBatch("acme", 1, 10), MakeBatch("acme", 11, 20),
                                      MakeBatch("acme", 21, 30)};
  ASSERT_TRUE((*store)->Commit(batches, {}).ok());
  size_t one = batches[0].batch.body().size() + batches[0].batch.signature().size() + 32;

  auto roomy = LogReader::Open(**store, 10 * one);
  ASSERT_TRUE(roomy.ok()) << roomy.status();
  auto all = PullAll(**roomy, "acme", 30);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->batches.size(), 3u);
  EXPECT_FALSE(all->more);

  auto two = LogReader::Open(**store, 2 * one + one / 2);
  auto part = PullAll(**two, "acme", 30);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->batches.size(), 2u);
  EXPECT_TRUE(part->more);

  // A budget below one batch still sends one, or sync could never advance.
  auto tiny = LogReader::Open(**store, 1);
  auto first = PullAll(**tiny, "acme", 30);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->batches.size(), 1u);
  EXPECT_TRUE(first->more);
}

TEST(PostgresLogStoreTest, RefusesANewerSchemaAndAnUnreachableServer) {
  std::string url = testing::PgCluster::Shared().NewDatabase();
  testing::TempDir dir;
  { ASSERT_TRUE(LogStore::Open(StoreLocation{dir.path(), url, "r"}, "testnet", "acme").ok()); }
  {
    auto conn = PgConn::Connect(url, "test");
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->Exec("UPDATE authnet_schema SET version = 99").ok());
  }
  auto newer = LogStore::Open(StoreLocation{dir.path(), url, "r"}, "testnet", "acme");
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(newer.status().message().find("schema version 99"), absl::string_view::npos)
      << newer.status();

  auto nowhere = LogStore::Open(
      StoreLocation{dir.path(), "host=" + (dir.path() / "no-server").string() + " password=hunter2",
                    "r"},
      "testnet", "acme");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(nowhere.status().message().find("cannot connect"), absl::string_view::npos)
      << nowhere.status();
  EXPECT_EQ(nowhere.status().message().find("hunter2"), absl::string_view::npos);
}

TEST(PostgresLogStoreTest, CheckStoreUrlRefusesWhatLibpqCannotParseWithoutEchoingIt) {
  EXPECT_TRUE(CheckStoreUrl("").ok());
  EXPECT_TRUE(
      CheckStoreUrl("postgresql://authnet@db1,db2/authnet?target_session_attrs=read-write").ok());
  EXPECT_TRUE(CheckStoreUrl("host=a,b dbname=authnet target_session_attrs=read-write").ok());
  absl::Status bad = CheckStoreUrl("postgresql://u:s3cret@h/db?nonsense_option=1");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message().find("s3cret"), absl::string_view::npos) << bad;
  EXPECT_NE(bad.message().find("--store"), absl::string_view::npos) << bad;
}

TEST(SqliteLogStoreTest, DatabaseIsWalWithFullSyncAndPrivate) {
  testing::TempDir dir;
  auto store = LogStore::Open(StoreLocation{dir.path()}, "testnet", "acme");
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Commit({MakeBatch("acme", 1, 1)}, {}).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "authnet.db-wal"));
  struct stat st {};
  ASSERT_EQ(stat((dir.path() / "authnet.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "database readable by group or others";
}

TEST(SqliteLogStoreTest, RefusesASecondOpenWhileLocked) {
  testing::TempDir dir;
  auto first = LogStore::Open(StoreLocation{dir.path()}, "testnet", "acme");
  ASSERT_TRUE(first.ok());
  auto second = LogStore::Open(StoreLocation{dir.path()}, "testnet", "acme");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("another authnetd"), absl::string_view::npos);
}

TEST(SqliteLogStoreTest, RefusesANewerSchema) {
  testing::TempDir dir;
  {
    auto store = LogStore::Open(StoreLocation{dir.path()}, "testnet", "acme");
    ASSERT_TRUE(store.ok());
  }
  {
    auto db = SqliteDb::Open((dir.path() / "authnet.db").string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version=99").ok());
  }
  auto store = LogStore::Open(StoreLocation{dir.path()}, "testnet", "acme");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("schema version 99"), absl::string_view::npos);
}

TEST(SqliteLogStoreTest, RefusesAFileThatIsNotADatabase) {
  testing::TempDir dir;
  FILE* f = fopen((dir.path() / "authnet.db").c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("this is not a sqlite database, just some text that is long enough to look like a header",
        f);
  fclose(f);
  auto store = LogStore::Open(StoreLocation{dir.path()}, "testnet", "acme");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace authnet
