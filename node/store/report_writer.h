#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "authnet/v1/records.pb.h"
#include "node/crypto/ed25519_key.h"
#include "node/metrics/metric_names.h"
#include "node/metrics/metrics_registry.h"
#include "node/model/model.h"
#include "node/store/log_store.h"
#include "spdlog/logger.h"

namespace authnet {

// WriteResult is what a committed report or retraction made.
struct WriteResult {
  uint64_t first_seq = 0;  // 0 when nothing new was written
  uint32_t count = 0;
  bool replayed = false;  // an earlier report with the same idempotency key answered
};

using WriteCallback = absl::AnyInvocable<void(absl::StatusOr<WriteResult>) &&>;

// VerifiedBatch is a peer's batch that passed VerifyBatch, with its body.
struct VerifiedBatch {
  v1::SignedBatch batch;
  v1::BatchBody body;
};

// IngestResult says what became of a set of peers' batches.
struct IngestResult {
  uint32_t stored = 0;        // new batches, now durable and in the model
  uint32_t duplicates = 0;    // already held, identical
  uint32_t refused = 0;       // gapped or conflicting: nothing of them stored
  std::string first_refusal;  // why the first refused one was refused
};

using IngestCallback = absl::AnyInvocable<void(absl::StatusOr<IngestResult>) &&>;

// BatchSignedMessage is what an origin signs for a batch: "authnet/v1/batch\0"
// followed by the serialized BatchBody.
std::string BatchSignedMessage(absl::string_view body);

// SignBatch serializes `body` and signs it with the origin's `key`.
[[nodiscard]] absl::StatusOr<StoredBatch> SignBatch(const v1::BatchBody& body,
                                                    const crypto::Ed25519Key& key);

// ReportWriter is the store's single writer thread (DESIGN.md §5). Reports
// and retractions queue up; the thread takes everything queued, assigns
// sequence numbers, signs one batch for the lot, commits it in one durable
// transaction (group commit), folds it into the model and only then answers
// each caller. A failed commit answers UNAVAILABLE and changes nothing.
//
// Thread-safe: Submit* may be called from any thread; callbacks run, in
// commit order, on the writer's answering thread (so the writer moves on to
// the next group meanwhile) and must not block.
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
  };

  // Create reads the origin's last seq from `store`. `store`, `model` and
  // `signing_key` must outlive the writer.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ReportWriter>> Create(
      Options options, LogStore& store, Model& model, const crypto::Ed25519Key& signing_key,
      std::string network, std::string origin, std::shared_ptr<spdlog::logger> log);
  // The destructor drains the queue and joins the thread.
  ~ReportWriter();

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

  // SubmitBatches stores verified batches from peers, in order. A batch the
  // node already holds is a duplicate (harmless); one that would leave a gap
  // is refused; one that differs from the batch held for the same seqs is
  // refused and logged as an alert: its origin signed two histories.
  void SubmitBatches(std::vector<VerifiedBatch> batches, IngestCallback done);

  // SetCommitListener installs a function run on the writer thread after
  // every commit that changed the model (before callers are answered). Call
  // before the first write.
  void SetCommitListener(absl::AnyInvocable<void()> listener) { on_commit_ = std::move(listener); }

  // Healthy: the last commit succeeded (or none failed yet). False while
  // the disk is full or the data dir cannot be written; the next successful
  // commit or probe makes it true again. Thread-safe.
  bool Healthy() const { return store_ok_.load(std::memory_order_relaxed); }

  // ProbeIfUnhealthy queues a probe write (LogStore::Probe) while the store
  // is unhealthy, so the node finds out by itself when space returns even
  // if no report arrives. At most one probe waits at a time. Thread-safe.
  void ProbeIfUnhealthy() ABSL_LOCKS_EXCLUDED(mu_);

  // SubmitMeta stores `value` under `key` in the store's meta table (a
  // transaction of its own, on the writer thread); a failure is logged.
  // For state other threads decide, such as the roster floor. Thread-safe.
  void SubmitMeta(std::string key, std::string value) ABSL_LOCKS_EXCLUDED(mu_);

  // Stop drains the queue, answers everything in it and joins the thread.
  // Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Write {
    enum class Kind { kReport, kRetract, kIngest, kProbe, kMeta } kind = Kind::kReport;
    std::vector<v1::Record> records;  // report: the records to append
    std::string key_hash;
    std::string request_hash;
    uint64_t seq = 0;  // retract: first seq and count
    uint32_t count = 0;
    std::vector<VerifiedBatch> ingest;  // ingest: peers' batches
    std::string meta_key;               // meta: what to store in the meta table
    std::string meta_value;
    WriteCallback done;
    IngestCallback ingest_done;
  };

  ReportWriter(Options options, LogStore& store, Model& model,
               const crypto::Ed25519Key& signing_key, std::string network, std::string origin,
               uint64_t last_seq, std::shared_ptr<spdlog::logger> log);
  void Enqueue(Write write) ABSL_LOCKS_EXCLUDED(mu_);
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  void ProcessGroup(std::vector<Write> group);
  void WriteMeta(const Write& w);
  // Answer runs the queued answers (callbacks of committed groups) in order.
  void Answer() ABSL_LOCKS_EXCLUDED(answer_mu_);
  // Ingest decides which of `w.ingest` to store, appending them to `out`.
  IngestResult Ingest(Write& w, std::map<std::string, uint64_t>& heads,
                      std::vector<StoredBatch>* out, std::vector<v1::BatchBody>* bodies);

  const Options options_;
  // Whether the last commit succeeded: false while the disk is full or the
  // data dir is unwritable (Healthy()).
  std::atomic<bool> store_ok_{true};
  LogStore& store_;
  Model& model_;
  const crypto::Ed25519Key& signing_key_;
  const std::string network_;
  const std::string origin_;
  std::shared_ptr<spdlog::logger> log_;
  Histogram* const commit_seconds_;       // nullptr without metrics
  uint64_t last_seq_;                     // writer thread only: highest committed seq
  absl::AnyInvocable<void()> on_commit_;  // writer thread only

  absl::Mutex mu_;
  std::deque<Write> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool probe_queued_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;

  absl::Mutex answer_mu_;
  std::deque<absl::AnyInvocable<void() &&>> answers_ ABSL_GUARDED_BY(answer_mu_);
  bool answers_done_ ABSL_GUARDED_BY(answer_mu_) = false;
  std::thread answerer_;
};

}  // namespace authnet
