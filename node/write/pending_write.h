#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "authnet/v1/records.pb.h"
#include "node/batch/batch_signing.h"

namespace authnet {

// WriteResult is what a committed report or retraction made.
struct WriteResult {
  uint64_t first_seq = 0;  // 0 when nothing new was written
  uint32_t count = 0;
  bool replayed = false;  // an earlier report with the same idempotency key answered
};

using WriteCallback = absl::AnyInvocable<void(absl::StatusOr<WriteResult>) &&>;

// IngestResult says what became of a set of peers' batches.
struct IngestResult {
  uint32_t stored = 0;        // new batches, now durable and in the model
  uint32_t duplicates = 0;    // already held, identical
  uint32_t refused = 0;       // gapped or conflicting: nothing of them stored
  std::string first_refusal;  // why the first refused one was refused
};

using IngestCallback = absl::AnyInvocable<void(absl::StatusOr<IngestResult>) &&>;

// PendingWrite is one queued write: a report, a retraction, peers' batches,
// a probe of the store, or a meta value.
struct PendingWrite {
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

  // Records is how many records the write adds to a group, for its bound.
  // Records is what the write weighs against ReportWriter's
  // max_batch_records: its records, a record carrying unit keys weighing
  // one more per 64 bytes of them, so a group's batch stays far below
  // kMaxBatchBytes however many units it commissions.
  size_t Records() const {
    if (kind != Kind::kReport) {
      return kind == Kind::kRetract ? count : ingest.size();
    }
    size_t weight = 0;
    for (const v1::Record& r : records) {
      weight += 1 + r.unit_keys().size() / 64;
    }
    return weight;
  }
};

}  // namespace authnet
