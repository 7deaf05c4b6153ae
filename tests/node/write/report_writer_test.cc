#include "node/write/report_writer.h"

#include <gtest/gtest.h>

#include <future>
#include <limits>
#include <set>
#include <thread>

#include "node/model/model.h"
#include "node/store/sqlite_db.h"
#include "spdlog/sinks/null_sink.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_roster.h"

namespace authnet {
namespace {

constexpr uint32_t kDay = 20400;

v1::Record MakeRecord(char digest_byte,
                      v1::SignalKind kind = v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED) {
  v1::Record r;
  r.set_digest(std::string(32, digest_byte));
  r.set_subject_type(v1::SUBJECT_TYPE_UNIT);
  r.set_kind(kind);
  r.set_weight_milli(1000);
  r.set_day(kDay);
  r.set_ttl_days(365);
  return r;
}

class ReportWriterTest : public ::testing::Test {
 protected:
  ReportWriterTest() : clock_(kDay), key_(*crypto::Ed25519Key::Generate()) { Open(); }

  void Open() {
    writer_.reset();
    store_.reset();
    auto store = LogStore::Open(StoreLocation{dir_.path()}, "testnet", "acme");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    model_ = std::make_unique<Model>(ModelOptions(), clock_, "acme");
    model_->SetRoster(testing::MakeRoster("testnet", {{"acme"}}));
    ASSERT_TRUE(store_
                    ->ForEachBatch([&](const StoredBatch& b) {
                      v1::BatchBody body;
                      EXPECT_TRUE(body.ParseFromString(b.batch.body()));
                      return model_->ApplyBatch(body);
                    })
                    .ok());
    StartWriter(nullptr);
  }

  // StartWriter (re)starts the writer on the open store, with `gate`.
  void StartWriter(SigningGate* gate) {
    writer_.reset();
    ReportWriter::Options options;
    options.gate = gate;
    auto writer = ReportWriter::Create(
        options, *store_, key_, "testnet", "acme",
        [m = model_.get()](const std::string& origin, uint64_t seq) {
          return m->IsRetracted(origin, seq);
        },
        std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::null_sink_mt>()));
    ASSERT_TRUE(writer.ok()) << writer.status();
    writer_ = *std::move(writer);
    writer_->AddCommitListener([m = model_.get()](const std::vector<v1::BatchBody>& bodies) {
      for (const v1::BatchBody& b : bodies) {
        EXPECT_TRUE(m->ApplyBatch(b).ok());
      }
    });
  }

  absl::StatusOr<WriteResult> Report(std::vector<v1::Record> records, std::string key = "",
                                     std::string request_hash = "h") {
    std::promise<absl::StatusOr<WriteResult>> done;
    writer_->SubmitReport(std::move(records), std::move(key), std::move(request_hash),
                          [&](absl::StatusOr<WriteResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  absl::StatusOr<WriteResult> Retract(uint64_t seq, uint32_t count) {
    std::promise<absl::StatusOr<WriteResult>> done;
    writer_->SubmitRetract(seq, count,
                           [&](absl::StatusOr<WriteResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  v1::Decision Decision(char digest_byte) {
    v1::CheckResponse resp;
    model_->Check({SubjectDigest::Of(v1::SUBJECT_TYPE_UNIT, std::string(32, digest_byte))}, &resp);
    return resp.decision();
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  crypto::Ed25519Key key_;
  std::unique_ptr<LogStore> store_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<ReportWriter> writer_;
};

TEST_F(ReportWriterTest, AssignsSeqsCommitsSignsAndFoldsIntoTheModel) {
  auto first = Report({MakeRecord('a'), MakeRecord('b')});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->first_seq, 1u);
  EXPECT_EQ(first->count, 2u);
  auto second = Report({MakeRecord('c')});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->first_seq, 3u);
  EXPECT_EQ(Decision('a'), v1::DECISION_DENY);
  EXPECT_EQ(model_->Records(), 3u);

  // Every stored batch verifies under the origin's key.
  int batches = 0;
  ASSERT_TRUE(store_
                  ->ForEachBatch([&](const StoredBatch& b) {
                    ++batches;
                    EXPECT_TRUE(crypto::VerifyEd25519(
                        key_.PublicKey(), std::string("authnet/v1/batch\0", 17) + b.batch.body(),
                        b.batch.signature()));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(batches, 2);
}

TEST_F(ReportWriterTest, ReportsSurviveARestart) {
  ASSERT_TRUE(Report({MakeRecord('a')}).ok());
  Open();
  EXPECT_EQ(Decision('a'), v1::DECISION_DENY);
  auto next = Report({MakeRecord('b')});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_seq, 2u) << "seqs continue after a restart";
}

TEST_F(ReportWriterTest, IdempotencyKeyCountsARetriedReportOnce) {
  std::string key(32, 'k');
  auto first = Report({MakeRecord('a')}, key, "same");
  ASSERT_TRUE(first.ok());
  auto retry = Report({MakeRecord('a')}, key, "same");
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->first_seq, first->first_seq);
  EXPECT_EQ(model_->Records(), 1u);

  auto reuse = Report({MakeRecord('b')}, key, "different");
  EXPECT_EQ(reuse.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(reuse.status().message().find("idempotency_key"), absl::string_view::npos);
  EXPECT_EQ(model_->Records(), 1u);

  Open();  // and across a restart
  auto after = Report({MakeRecord('a')}, key, "same");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->replayed);
  EXPECT_EQ(model_->Records(), 1u);
}

TEST_F(ReportWriterTest, ConcurrentReportsShareCommitsAndGetDistinctSeqs) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = Report({MakeRecord(static_cast<char>('A' + t))},
                        "key-" + std::to_string(t * kPerThread + i), "h");
        ASSERT_TRUE(r.ok()) << r.status();
        std::lock_guard<std::mutex> lock(mu);
        seqs.insert(r->first_seq);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  ASSERT_EQ(seqs.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), static_cast<uint64_t>(kThreads * kPerThread));
  int batches = 0;
  uint64_t expected_first = 1;
  ASSERT_TRUE(store_
                  ->ForEachBatch([&](const StoredBatch& b) {
                    ++batches;
                    EXPECT_EQ(b.first_seq, expected_first);
                    expected_first = b.last_seq + 1;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(model_->Records(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_GE(batches, 1);
  EXPECT_LE(batches, kThreads * kPerThread);
}

TEST_F(ReportWriterTest, ReportsQueuedDuringACommitShareTheNextOne) {
  // Submit without waiting: while the writer fsyncs the first commit, the
  // rest queue up and go out together in far fewer transactions.
  constexpr int kReports = 200;
  std::vector<std::promise<absl::StatusOr<WriteResult>>> done(kReports);
  for (int i = 0; i < kReports; ++i) {
    writer_->SubmitReport({MakeRecord('a')}, "", "h", [&, i](absl::StatusOr<WriteResult> r) {
      done[i].set_value(std::move(r));
    });
  }
  for (int i = 0; i < kReports; ++i) {
    auto r = done[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->first_seq, static_cast<uint64_t>(i + 1)) << "seqs follow submission order";
  }
  int batches = 0;
  ASSERT_TRUE(store_
                  ->ForEachBatch([&](const StoredBatch&) {
                    ++batches;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_LT(batches, kReports / 2) << "reports were not grouped into shared commits";
}

TEST_F(ReportWriterTest, RetractRemovesEffectAndIsIdempotent) {
  auto report = Report({MakeRecord('a'), MakeRecord('b')});
  ASSERT_TRUE(report.ok());
  auto retract = Retract(report->first_seq, 2);
  ASSERT_TRUE(retract.ok()) << retract.status();
  EXPECT_EQ(retract->count, 2u);
  EXPECT_EQ(retract->first_seq, 3u);
  EXPECT_EQ(Decision('a'), v1::DECISION_ALLOW);
  EXPECT_EQ(Decision('b'), v1::DECISION_ALLOW);

  auto again = Retract(report->first_seq, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->count, 0u);
  EXPECT_EQ(model_->Records(), 4u);

  Open();  // retractions are durable too
  EXPECT_EQ(Decision('a'), v1::DECISION_ALLOW);
}

TEST_F(ReportWriterTest, RetractOnALaterDayStillRemovesTheEvidence) {
  auto report = Report({MakeRecord('a')});
  ASSERT_TRUE(report.ok());
  clock_.AdvanceDays(10);
  EXPECT_EQ(Decision('a'), v1::DECISION_DENY);
  auto retract = Retract(report->first_seq, 1);
  ASSERT_TRUE(retract.ok()) << retract.status();
  EXPECT_EQ(retract->count, 1u);
  EXPECT_EQ(Decision('a'), v1::DECISION_ALLOW);
  Open();  // and after the model is rebuilt from the store
  EXPECT_EQ(Decision('a'), v1::DECISION_ALLOW);
}

TEST_F(ReportWriterTest, RetractRangeNearTheTopOfSeqSpaceIsNotFound) {
  ASSERT_TRUE(Report({MakeRecord('a')}).ok());
  auto wrapped = Retract(std::numeric_limits<uint64_t>::max(), 1);
  EXPECT_EQ(wrapped.status().code(), absl::StatusCode::kNotFound);
  auto long_range = Retract(1, std::numeric_limits<uint32_t>::max());
  EXPECT_EQ(long_range.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ReportWriterTest, RetractRefusesUnknownSeqsAndRetractions) {
  ASSERT_TRUE(Report({MakeRecord('a')}).ok());
  auto missing = Retract(5, 1);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("seq: records 5"), absl::string_view::npos)
      << missing.status();
  auto partly = Retract(1, 3);  // 2 and 3 do not exist: nothing is retracted
  EXPECT_EQ(partly.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Decision('a'), v1::DECISION_DENY);

  ASSERT_TRUE(Retract(1, 1).ok());
  auto of_retraction = Retract(2, 1);
  EXPECT_EQ(of_retraction.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ReportWriterTest, FailedCommitIsUnavailableAndChangesNothing) {
  ASSERT_TRUE(Report({MakeRecord('a')}).ok());
  // Make the database read-only under the writer's feet.
  auto db = SqliteDb::Open((dir_.path() / "authnet.db").string());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)
                  ->Exec("CREATE TRIGGER no_writes BEFORE INSERT ON batches "
                         "BEGIN SELECT RAISE(FAIL, 'disk refuses writes'); END;")
                  .ok());
  auto failed = Report({MakeRecord('b')});
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Decision('b'), v1::DECISION_ALLOW);
  EXPECT_EQ(model_->Records(), 1u);

  ASSERT_TRUE((*db)->Exec("DROP TRIGGER no_writes").ok());
  auto recovered = Report({MakeRecord('b')});
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(recovered->first_seq, 2u) << "the failed commit used no seq";
}

// A batch from another origin, as a peer would deliver it after VerifyBatch.
VerifiedBatch PeerBatch(const crypto::Ed25519Key& key, uint64_t first, int n, char digest_byte) {
  VerifiedBatch vb;
  vb.body.set_network("testnet");
  vb.body.set_origin("globex");
  vb.body.set_first_seq(first);
  vb.body.set_last_seq(first + n - 1);
  for (int i = 0; i < n; ++i) {
    v1::Record r = MakeRecord(digest_byte);
    r.set_seq(first + i);
    *vb.body.add_records() = r;
  }
  vb.batch.set_body(vb.body.SerializeAsString());
  vb.batch.set_signature(*key.Sign(std::string("authnet/v1/batch\0", 17) + vb.batch.body()));
  return vb;
}

class ReportWriterIngestTest : public ReportWriterTest {
 protected:
  IngestResult Ingest(std::vector<VerifiedBatch> batches) {
    std::promise<absl::StatusOr<IngestResult>> done;
    writer_->SubmitBatches(std::move(batches),
                           [&](absl::StatusOr<IngestResult> r) { done.set_value(std::move(r)); });
    absl::StatusOr<IngestResult> r = done.get_future().get();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : IngestResult{};
  }

  crypto::Ed25519Key globex_ = *crypto::Ed25519Key::Generate();
};

TEST_F(ReportWriterIngestTest, StoresNewBatchesAndIgnoresDuplicates) {
  IngestResult r = Ingest({PeerBatch(globex_, 1, 2, 'g'), PeerBatch(globex_, 3, 1, 'h')});
  EXPECT_EQ(r.stored, 2u);
  EXPECT_EQ(model_->LastSeq("globex"), 3u);
  EXPECT_EQ(model_->Records(), 3u);
  std::string fingerprint = model_->Fingerprint();
  // A replayed batch changes nothing.
  r = Ingest({PeerBatch(globex_, 1, 2, 'g')});
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(model_->Records(), 3u);
  EXPECT_EQ(model_->Fingerprint(), fingerprint);
  Open();  // durable, and rebuilt into the model
  EXPECT_EQ(model_->LastSeq("globex"), 3u);
}

TEST_F(ReportWriterIngestTest, RefusesAGap) {
  IngestResult r = Ingest({PeerBatch(globex_, 2, 1, 'g')});
  EXPECT_EQ(r.refused, 1u);
  EXPECT_NE(r.first_refusal.find("gap"), std::string::npos) << r.first_refusal;
  EXPECT_EQ(model_->LastSeq("globex"), 0u);
  int batches = 0;
  ASSERT_TRUE(store_
                  ->ForEachBatch([&](const StoredBatch&) {
                    ++batches;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(batches, 0);
}

TEST_F(ReportWriterIngestTest, KeepsTheFirstOfTwoConflictingBatches) {
  ASSERT_EQ(Ingest({PeerBatch(globex_, 1, 1, 'g')}).stored, 1u);
  std::string fingerprint = model_->Fingerprint();
  IngestResult r = Ingest({PeerBatch(globex_, 1, 1, 'x')});  // same seq, other content
  EXPECT_EQ(r.refused, 1u);
  EXPECT_NE(r.first_refusal.find("conflicts"), std::string::npos) << r.first_refusal;
  EXPECT_EQ(model_->Fingerprint(), fingerprint);
  EXPECT_EQ(Decision('x'), v1::DECISION_ALLOW);
}

TEST_F(ReportWriterIngestTest, OwnReportsAndPeerBatchesInterleave) {
  ASSERT_TRUE(Report({MakeRecord('a')}).ok());
  ASSERT_EQ(Ingest({PeerBatch(globex_, 1, 1, 'a')}).stored, 1u);
  ASSERT_TRUE(Report({MakeRecord('b')}).ok());
  auto vv = model_->VersionVector();
  EXPECT_EQ(vv.at("acme"), 2u);
  EXPECT_EQ(vv.at("globex"), 1u);
}

// A batch of this node's own origin, signed with its key, as a peer holds it.
VerifiedBatch OwnBatch(const crypto::Ed25519Key& key, uint64_t first, char digest_byte) {
  VerifiedBatch vb = PeerBatch(key, first, 1, digest_byte);
  vb.body.set_origin("acme");
  vb.batch.set_body(vb.body.SerializeAsString());
  vb.batch.set_signature(*key.Sign(std::string("authnet/v1/batch\0", 17) + vb.batch.body()));
  return vb;
}

class ReportWriterGateTest : public ReportWriterIngestTest {
 protected:
  ReportWriterGateTest() { OpenGated(); }

  void OpenGated() {
    gate_ = std::make_unique<SigningGate>(
        "acme",
        std::make_shared<spdlog::logger>("gate", std::make_shared<spdlog::sinks::null_sink_mt>()));
    StartWriter(gate_.get());
  }

  std::unique_ptr<SigningGate> gate_;
};

TEST_F(ReportWriterGateTest, AdoptsItsOwnLogFromAPeerAndResumesAfterIt) {
  ASSERT_TRUE(Report({MakeRecord('a')}).ok());  // seq 1; the network also holds 2 and 3
  gate_->PeerHead("peer globex", 3, 1);
  ASSERT_TRUE(gate_->Closed().has_value());
  auto refused = Report({MakeRecord('b')});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("up to seq 3"), std::string::npos) << refused.status();
  EXPECT_EQ(model_->LastSeq("acme"), 1u) << "a refused report signs nothing";

  IngestResult r = Ingest({OwnBatch(key_, 2, 'x'), OwnBatch(key_, 3, 'y')});
  EXPECT_EQ(r.stored, 2u);
  EXPECT_EQ(model_->LastSeq("acme"), 3u);
  EXPECT_EQ(Decision('y'), v1::DECISION_DENY) << "adopted records count";
  gate_->PeerHead("peer globex", 3, model_->LastSeq("acme"));
  EXPECT_FALSE(gate_->Closed().has_value());

  auto resumed = Report({MakeRecord('c')});
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->first_seq, 4u) << "signing continues after the adopted seqs";
  Open();  // durable
  EXPECT_EQ(model_->LastSeq("acme"), 4u);
}

TEST_F(ReportWriterGateTest, AReportInTheGroupThatAdoptsIsRefused) {
  // Even before any peer told the gate: adopting moves the head, so the
  // group's reports are refused rather than numbered over it.
  std::promise<absl::StatusOr<IngestResult>> ingested;
  std::promise<absl::StatusOr<WriteResult>> reported;
  writer_->SubmitBatches({OwnBatch(key_, 1, 'x')},
                         [&](absl::StatusOr<IngestResult> r) { ingested.set_value(std::move(r)); });
  writer_->SubmitReport({MakeRecord('b')}, "", "h",
                        [&](absl::StatusOr<WriteResult> r) { reported.set_value(std::move(r)); });
  absl::StatusOr<IngestResult> in = ingested.get_future().get();
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->stored, 1u);
  absl::StatusOr<WriteResult> rep = reported.get_future().get();
  if (rep.ok()) {
    // The report made its own group, after the adoption: numbered after it.
    EXPECT_EQ(rep->first_seq, 2u);
  } else {
    EXPECT_EQ(rep.status().code(), absl::StatusCode::kUnavailable) << rep.status();
  }
  EXPECT_EQ(model_->LastSeq("acme"), rep.ok() ? 2u : 1u);
}

TEST_F(ReportWriterGateTest, ADifferentOwnBatchIsAConflictThatStopsSigning) {
  ASSERT_TRUE(Report({MakeRecord('a')}).ok());        // seq 1
  IngestResult r = Ingest({OwnBatch(key_, 1, 'z')});  // the network's seq 1 differs
  EXPECT_EQ(r.refused, 1u);
  ASSERT_EQ(gate_->hold(), SigningGate::Hold::kConflict);
  gate_->PeerHead("peer globex", 1, 1);  // a confirmation does not end a conflict
  auto refused = Report({MakeRecord('b')});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("two histories"), std::string::npos)
      << refused.status();
}

TEST_F(ReportWriterGateTest, ARevokedMemberSignsNothing) {
  gate_->SetRevoked(true, 7);
  auto refused = Report({MakeRecord('a')});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("revoked"), std::string::npos) << refused.status();
  EXPECT_EQ(model_->LastSeq("acme"), 0u);
}

TEST(SigningGateTest, ARestoredNodeWaitsForAPeerThenReopensOnce) {
  int reopened = 0;
  SigningGate gate(
      "acme",
      std::make_shared<spdlog::logger>("gate", std::make_shared<spdlog::sinks::null_sink_mt>()),
      [&] { ++reopened; });
  EXPECT_FALSE(gate.Closed().has_value());
  gate.AwaitPeers("DIR was restored");
  ASSERT_TRUE(gate.Closed().has_value());
  EXPECT_EQ(gate.hold(), SigningGate::Hold::kRestored);
  gate.PeerHead("peer b", 5, 5);
  EXPECT_FALSE(gate.Closed().has_value());
  EXPECT_EQ(reopened, 1);
  gate.PeerHead("peer c", 4, 5);  // already open: nothing to reopen
  EXPECT_EQ(reopened, 1);
  gate.PeerHead("peer c", 9, 5);  // a second copy signed beyond: closed again
  EXPECT_EQ(gate.hold(), SigningGate::Hold::kBehind);
}

// On a shared store the model follows the other replicas' commits a moment
// late: a peer ahead of the model but not of the store is no second history.
TEST(SigningGateTest, AReplicaChecksTheSharedStoreBeforeClosing) {
  std::optional<uint64_t> store_head = 9;
  int asked = 0;
  SigningGate gate(
      "acme",
      std::make_shared<spdlog::logger>("gate", std::make_shared<spdlog::sinks::null_sink_mt>()),
      nullptr, [&] {
        ++asked;
        return store_head;
      });
  gate.PeerHead("peer b", 9, 7);  // another replica committed 8 and 9
  EXPECT_FALSE(gate.Closed().has_value());
  EXPECT_EQ(asked, 1);
  gate.PeerHead("peer b", 7, 7);  // not ahead: the store is not asked
  EXPECT_EQ(asked, 1);
  gate.PeerHead("peer b", 10, 9);  // beyond the store too: behind
  EXPECT_EQ(gate.hold(), SigningGate::Hold::kBehind);
  SigningGate unreadable(
      "acme",
      std::make_shared<spdlog::logger>("gate", std::make_shared<spdlog::sinks::null_sink_mt>()),
      nullptr, [] { return std::optional<uint64_t>(); });
  unreadable.PeerHead("peer b", 9, 7);  // the store cannot say: the model decides
  EXPECT_EQ(unreadable.hold(), SigningGate::Hold::kBehind);
}

}  // namespace
}  // namespace authnet
