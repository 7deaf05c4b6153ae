#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "node/metrics/metrics_registry.h"
#include "node/store/log_store.h"
#include "node/write/pending_write.h"
#include "spdlog/logger.h"

namespace authnet {

// PeerIngest decides which verified peer batches a group stores
// (docs/architecture.md §3): a batch already held must be the very batch held (a
// duplicate, harmless); one that differs from it is refused and raised as an
// ALERT (its origin signed two histories); one that would leave a gap is
// refused; this node's own origin beyond its log is adopted (a data dir
// restored from an old backup: the network is the backup of each member's
// log), and a different batch of it is a conflict the writer reports to the
// SigningGate. What it keeps, in order, is for the writer to store. Reads go through `txn`, so
// replicas sharing a store agree. One group, one thread.
class PeerIngest {
 public:
  // `metrics` (may be null) counts refusals by reason; `log` gets one line
  // per refusal.
  PeerIngest(WriteTxn& txn, const std::string& own_origin, MetricsRegistry* metrics,
             spdlog::logger& log);

  // Add decides on each of `batches`, in order.
  IngestResult Add(std::vector<VerifiedBatch>& batches);

  // What to store and the bodies of the same batches, for the listeners.
  std::vector<StoredBatch>& accepted() { return accepted_; }
  std::vector<v1::BatchBody>& bodies() { return bodies_; }
  // Highest seq of this node's own origin held, adopted batches included.
  absl::StatusOr<uint64_t> OwnHead() {
    absl::StatusOr<uint64_t*> held = Held(own_origin_);
    return held.ok() ? absl::StatusOr<uint64_t>(**held) : held.status();
  }
  // Batches of this node's own origin were adopted.
  bool adopted_own() const { return adopted_own_; }
  // A peer's batch of this node's own origin differed from the log's: its seqs.
  const std::optional<std::pair<uint64_t, uint64_t>>& own_conflict() const { return own_conflict_; }

 private:
  // Held returns the highest seq held of `origin`, this group's included;
  // a read failure is UNAVAILABLE.
  absl::StatusOr<uint64_t*> Held(const std::string& origin);
  // SameAsHeld: `batch` is byte for byte the batch held for its seqs.
  absl::StatusOr<bool> SameAsHeld(const VerifiedBatch& batch);
  void Refuse(IngestResult& result, const v1::BatchBody& b, const char* reason,
              absl::string_view why);

  WriteTxn& txn_;
  const std::string own_origin_;
  MetricsRegistry* metrics_;
  spdlog::logger& log_;
  std::map<std::string, uint64_t> held_;
  std::vector<StoredBatch> accepted_;
  std::vector<v1::BatchBody> bodies_;
  bool adopted_own_ = false;
  std::optional<std::pair<uint64_t, uint64_t>> own_conflict_;
};

}  // namespace authnet
