#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "authnet/v1/records.pb.h"
#include "node/crypto/ed25519_key.h"
#include "node/metrics/metrics_registry.h"
#include "node/store/log_store.h"
#include "node/write/group_commit_queue.h"
#include "node/write/peer_ingest.h"
#include "node/write/pending_write.h"
#include "node/write/signing_gate.h"
#include "spdlog/logger.h"

namespace authnet {

// ReportWriter is the store's single writer thread (docs/architecture.md §5, §6).
// Reports, retractions and peers' batches queue up (GroupCommitQueue); the
// thread takes everything queued and, in one store transaction, numbers
// this node's records after the log's last seq (OwnLogAppender), decides on
// peers' batches (PeerIngest), signs one batch for its own records, commits
// durably, announces what it committed to the commit listeners (the model,
// the sync feed) and only then answers each caller. A failed commit, or one
// whose outcome is unknown, answers UNAVAILABLE and announces nothing.
//
// Thread-safe: Submit* may be called from any thread; callbacks run, in
// commit order, on the queue's answering thread and must not block.
class ReportWriter {
 public:
  struct Options {
    // Most writes waiting at once; more are RESOURCE_EXHAUSTED at once.
    size_t max_queued = 100'000;
    // Most records folded into one batch and transaction.
    size_t max_batch_records = 4096;
    // Where commit latency and refused batches are counted (nullptr:
    // nowhere); must outlive the writer.
    MetricsRegistry* metrics = nullptr;
    // Whether this node may sign its own records now (nullptr: always);
    // reports and retractions answer UNAVAILABLE while it is closed. Must
    // outlive the writer.
    SigningGate* gate = nullptr;
  };
  // CommitListener receives the bodies of every committed group's batches
  // (this node's own first), on the writer thread, before callers are
  // answered. It must not block for long.
  using CommitListener = std::function<void(const std::vector<v1::BatchBody>&)>;
  // IsRetracted says whether `origin` has retracted its record `seq`.
  using IsRetracted = std::function<bool(const std::string& origin, uint64_t seq)>;

  // Create starts the writer. `store` and `signing_key` must outlive it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ReportWriter>> Create(
      Options options, LogStore& store, const crypto::Ed25519Key& signing_key, std::string network,
      std::string origin, IsRetracted is_retracted, std::shared_ptr<spdlog::logger> log);
  // The destructor drains the queue and joins the thread.
  ~ReportWriter();

  // AddCommitListener adds a listener; listeners run in the order added.
  // Call before the first write.
  void AddCommitListener(CommitListener listener) { listeners_.push_back(std::move(listener)); }

  // SubmitReport appends `records` (seq unset) to this origin's log. With a
  // non-empty `key_hash`, a report whose key was seen before is answered
  // with the first report's result if `request_hash` matches, else with
  // INVALID_ARGUMENT.
  void SubmitReport(std::vector<v1::Record> records, std::string key_hash, std::string request_hash,
                    WriteCallback done);

  // SubmitRetract retracts this origin's records [seq, seq + count). Records
  // already retracted are skipped; a seq beyond the log is NOT_FOUND and a
  // retraction record cannot itself be retracted (INVALID_ARGUMENT).
  void SubmitRetract(uint64_t seq, uint32_t count, WriteCallback done);

  // SubmitBatches stores verified batches from peers, in order (PeerIngest).
  void SubmitBatches(std::vector<VerifiedBatch> batches, IngestCallback done);

  // Healthy: the last commit succeeded (or none failed yet). False while
  // the disk is full, the data dir cannot be written or the database
  // cannot be reached; the next successful commit or probe makes it true
  // again. Thread-safe.
  bool Healthy() const { return store_ok_.load(std::memory_order_relaxed); }

  // ProbeIfUnhealthy queues a probe write (LogStore::Probe) while the store
  // is unhealthy, so the node finds out by itself when it takes writes
  // again even if no report arrives. At most one probe waits at a time.
  void ProbeIfUnhealthy();

  // SubmitMeta stores `value` under `key` in the store's meta table (a
  // transaction of its own, on the writer thread); a failure is logged and,
  // with `done`, answered (UNAVAILABLE) there; success answers an empty
  // WriteResult once the value is durable.
  void SubmitMeta(std::string key, std::string value, WriteCallback done = nullptr);

  // Stop drains the queue, answers everything in it and joins the thread.
  // Idempotent.
  void Stop();

 private:
  // Outcomes of one group's writes, answered together.
  struct GroupOutcome;

  ReportWriter(Options options, LogStore& store, const crypto::Ed25519Key& signing_key,
               std::string network, std::string origin, IsRetracted is_retracted,
               std::shared_ptr<spdlog::logger> log);
  void Run();
  void ProcessGroup(std::vector<PendingWrite> group);
  // BuildAndCommit runs the group's transaction; the bodies it committed
  // are in `out` when it returns OK.
  absl::Status BuildAndCommit(std::vector<PendingWrite>& group, GroupOutcome& out);
  // Sign signs the own batch (if it has records) ahead of the peers' ones.
  // SigningClosed: why this group's reports are refused (the gate is
  // closed, or it adopted batches of this node's own origin), or nullopt.
  std::optional<std::string> SigningClosed(const PeerIngest& peers);
  absl::StatusOr<std::vector<StoredBatch>> Sign(v1::BatchBody& own,
                                                std::vector<StoredBatch>& peers);
  absl::Status CommitTimed(WriteTxn& txn, const std::vector<StoredBatch>& batches,
                           const std::vector<IdempotencyEntry>& entries);
  void Probe();
  void WriteMeta(PendingWrite& w);
  void Announce(const std::vector<v1::BatchBody>& bodies);
  void QueueAnswers(std::vector<PendingWrite> group, GroupOutcome out);

  const Options options_;
  std::atomic<bool> store_ok_{true};
  LogStore& store_;
  const crypto::Ed25519Key& signing_key_;
  const std::string network_;
  const std::string origin_;
  const IsRetracted is_retracted_;
  std::shared_ptr<spdlog::logger> log_;
  Histogram* const commit_seconds_;  // nullptr without metrics
  std::vector<CommitListener> listeners_;
  GroupCommitQueue queue_;
  std::thread thread_;
};

}  // namespace authnet
