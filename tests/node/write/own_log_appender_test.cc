#include "node/write/own_log_appender.h"

#include <gtest/gtest.h>

#include "node/write/peer_ingest.h"
#include "spdlog/sinks/null_sink.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

v1::Record MakeRecord(char digest_byte) {
  v1::Record r;
  r.set_digest(std::string(32, digest_byte));
  r.set_kind(v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED);
  r.set_day(20400);
  r.set_ttl_days(30);
  return r;
}

StoredBatch Batch(const std::string& origin, uint64_t first, uint64_t last, char fill = 'x') {
  v1::BatchBody body;
  body.set_network("testnet");
  body.set_origin(origin);
  body.set_first_seq(first);
  body.set_last_seq(last);
  for (uint64_t s = first; s <= last; ++s) {
    v1::Record r = MakeRecord(fill);
    r.set_seq(s);
    *body.add_records() = r;
  }
  StoredBatch b{origin, first, last, {}};
  b.batch.set_body(body.SerializeAsString());
  return b;
}

class WritePathTest : public ::testing::Test {
 protected:
  WritePathTest() {
    auto store = LogStore::Open(StoreLocation{dir_.path()}, "testnet", "acme");
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    EXPECT_TRUE(store_->Commit({Batch("acme", 1, 2)}, {{std::string(32, 'k'),
                                                         std::string(32, 'r'), 1, 2, 7}})
                    .ok());
    EXPECT_TRUE(store_->Commit({Batch("bolt", 1, 3, 'b')}, {}).ok());
  }
  std::unique_ptr<WriteTxn> Txn() {
    auto txn = store_->Begin();
    EXPECT_TRUE(txn.ok());
    return *std::move(txn);
  }
  testing::TempDir dir_;
  std::unique_ptr<LogStore> store_;
};

TEST_F(WritePathTest, AppenderNumbersAfterTheLogAndAnswersKnownKeys) {
  auto txn = Txn();
  OwnLogAppender own(*txn, "testnet", "acme", 2, [](uint64_t) { return false; });
  PendingWrite a;
  a.records = {MakeRecord('a'), MakeRecord('b')};
  a.key_hash = std::string(32, 'n');
  a.request_hash = "h";
  Appended first = own.AddReport(0, a);
  ASSERT_TRUE(first.result.ok());
  EXPECT_EQ(first.result->first_seq, 3u);
  EXPECT_TRUE(first.wrote);

  PendingWrite repeat;
  repeat.records = {MakeRecord('a')};
  repeat.key_hash = std::string(32, 'n');
  repeat.request_hash = "h";
  EXPECT_EQ(own.AddReport(1, repeat).same_as, std::optional<size_t>(0)) << "same key, same group";

  PendingWrite stored;
  stored.records = {MakeRecord('z')};
  stored.key_hash = std::string(32, 'k');
  stored.request_hash = std::string(32, 'r');
  Appended replay = own.AddReport(2, stored);
  ASSERT_TRUE(replay.result.ok());
  EXPECT_TRUE(replay.result->replayed);
  EXPECT_EQ(replay.result->first_seq, 1u);
  EXPECT_FALSE(replay.wrote);

  stored.request_hash = "other";
  EXPECT_EQ(own.AddReport(3, stored).result.status().code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(own.body().first_seq(), 3u);
  EXPECT_EQ(own.body().last_seq(), 4u);
  ASSERT_EQ(own.entries().size(), 1u);
  EXPECT_EQ(own.entries()[0].first_seq, 3u);
}

TEST_F(WritePathTest, AppenderRetractsStoredAndPendingRecordsOnce) {
  auto txn = Txn();
  OwnLogAppender own(*txn, "testnet", "acme", 2, [](uint64_t seq) { return seq == 2; });
  PendingWrite report;
  report.records = {MakeRecord('c')};
  ASSERT_TRUE(own.AddReport(0, report).result.ok());  // seq 3
  PendingWrite retract;
  retract.kind = PendingWrite::Kind::kRetract;
  retract.seq = 1;
  retract.count = 3;
  Appended r = own.AddRetract(retract);
  ASSERT_TRUE(r.result.ok()) << r.result.status();
  EXPECT_EQ(r.result->count, 2u) << "seq 2 is retracted already";
  EXPECT_EQ(own.body().records(1).retracts_seq(), 1u);
  EXPECT_EQ(own.body().records(2).retracts_seq(), 3u);
  Appended again = own.AddRetract(retract);
  ASSERT_TRUE(again.result.ok());
  EXPECT_EQ(again.result->count, 0u) << "retracted earlier in the group";
  retract.seq = 5;
  retract.count = 1;
  EXPECT_EQ(own.AddRetract(retract).result.status().code(), absl::StatusCode::kInvalidArgument)
      << "seq 5 is a retraction";
  retract.seq = 9;
  EXPECT_EQ(own.AddRetract(retract).result.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WritePathTest, PeerIngestTakesTheNextBatchAdoptsItsOwnAndRefusesGapsAndConflicts) {
  auto txn = Txn();
  spdlog::logger log("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  PeerIngest ingest(*txn, "acme", nullptr, log);
  auto verified = [](const StoredBatch& b) {
    VerifiedBatch vb;
    vb.batch = b.batch;
    EXPECT_TRUE(vb.body.ParseFromString(b.batch.body()));
    return vb;
  };
  std::vector<VerifiedBatch> batches = {
      verified(Batch("bolt", 1, 3, 'b')),  // held: duplicate
      verified(Batch("bolt", 1, 3, 'c')),  // held, different: conflict
      verified(Batch("bolt", 4, 5, 'b')),  // next: stored
      verified(Batch("bolt", 7, 7, 'b')),  // gap
      verified(Batch("bolt", 4, 5, 'b')),  // stored earlier in this group: duplicate
      verified(Batch("acme", 3, 3, 'a')),  // own origin beyond the log: adopted
      verified(Batch("cora", 1, 1, 'c')),  // a new origin from 1: stored
  };
  IngestResult r = ingest.Add(batches);
  EXPECT_EQ(r.stored, 3u);
  EXPECT_EQ(r.duplicates, 2u);
  EXPECT_EQ(r.refused, 2u);
  EXPECT_NE(r.first_refusal.find("conflicts"), std::string::npos) << r.first_refusal;
  ASSERT_EQ(ingest.accepted().size(), 3u);
  EXPECT_EQ(ingest.accepted()[0].first_seq, 4u);
  EXPECT_EQ(ingest.bodies()[1].origin(), "acme");
  EXPECT_EQ(ingest.bodies()[2].origin(), "cora");
  EXPECT_TRUE(ingest.adopted_own());
  EXPECT_FALSE(ingest.own_conflict().has_value());
  EXPECT_EQ(*ingest.OwnHead(), 3u);
}

}  // namespace
}  // namespace authnet
