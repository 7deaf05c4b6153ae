#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "authnet/v1/records.pb.h"
#include "node/store/log_store.h"
#include "node/write/pending_write.h"

namespace authnet {

// Appended is what became of one report or retraction in a group.
struct Appended {
  absl::StatusOr<WriteResult> result = WriteResult{};
  // A repeat, within the group, of the report at this index: answer as it.
  std::optional<size_t> same_as;
  // It added records, so it fails if the group's commit does.
  bool wrote = false;
};

// OwnLogAppender builds the one batch of this node's own records that a
// group commits (docs/architecture.md §3): it numbers reports' records after the log's
// last seq as `txn` read it, answers a repeated idempotency key from the
// store or from earlier in the group, and turns retractions into records
// that repeat what they undo. It only reads; the writer signs and stores
// the batch. One group, one thread.
class OwnLogAppender {
 public:
  // IsRetracted says whether this origin's record `seq` is already
  // retracted (the model knows).
  using IsRetracted = std::function<bool(uint64_t seq)>;

  OwnLogAppender(WriteTxn& txn, const std::string& network, const std::string& origin,
                 uint64_t last_seq, IsRetracted is_retracted);

  // AddReport appends `w`'s records, unless its idempotency key was used
  // before: then the first report's result answers it (replayed), or
  // INVALID_ARGUMENT if that report differed. `index` is w's place in the
  // group.
  Appended AddReport(size_t index, PendingWrite& w);
  // AddRetract retracts records [w.seq, w.seq + w.count) of this origin,
  // skipping those already retracted: NOT_FOUND beyond the log,
  // INVALID_ARGUMENT for a retraction record.
  Appended AddRetract(const PendingWrite& w);

  // The batch built so far (first_seq and last_seq set when it has records)
  // and the idempotency entries to store with it.
  v1::BatchBody& body() { return body_; }
  std::vector<IdempotencyEntry>& entries() { return entries_; }

 private:
  // KnownKey answers a report whose idempotency key this group or the store
  // has seen; nullopt when the key is new.
  std::optional<Appended> KnownKey(size_t index, const PendingWrite& w);
  absl::StatusOr<std::optional<v1::Record>> RecordAt(uint64_t seq);
  // Retraction returns the record retracting `seq`, nullopt when it is
  // retracted already.
  absl::StatusOr<std::optional<v1::Record>> Retraction(uint64_t seq);

  WriteTxn& txn_;
  const std::string origin_;
  const uint64_t last_seq_;  // the log's last seq before this group
  uint64_t next_;            // the next seq to assign
  IsRetracted is_retracted_;
  v1::BatchBody body_;
  std::vector<IdempotencyEntry> entries_;
  std::map<std::string, std::pair<size_t, std::string>> keys_;  // key -> (index, request hash)
  std::set<uint64_t> retracted_;                                // retracted in this group
};

}  // namespace authnet
