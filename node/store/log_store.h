#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "authnet/v1/records.pb.h"
#include "node/store/sqlite_db.h"

namespace authnet {

// StoredBatch is one signed batch with the coordinates it is filed under.
struct StoredBatch {
  std::string origin;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  v1::SignedBatch batch;
};

// IdempotencyEntry remembers which records a report's idempotency key made.
// Keys are stored only as HMACs under the network key (Digester::Mac): a
// caller's key may embed an order or customer number.
struct IdempotencyEntry {
  std::string key_hash;      // 32 bytes, Digester::Mac("idempotency", key)
  std::string request_hash;  // 32 bytes, over the report's records
  uint64_t first_seq = 0;
  uint32_t count = 0;
  uint32_t day = 0;
};

// LogStore keeps the node's records in SQLite (DESIGN.md §5): WAL mode,
// synchronous=FULL, a versioned schema with forward migrations. It holds only
// digests and signed batches, never a raw identifier.
//
// Not thread-safe: start-up reads it on one thread, then only the
// ReportWriter thread touches it.
class LogStore {
 public:
  // Open opens or creates DATA_DIR/authnet.db, takes an exclusive lock on
  // the data directory and checks that it belongs to `member_id` of
  // `network` (recording them on first use). Fails with FAILED_PRECONDITION
  // and one line saying what to do when the directory is another member's,
  // is locked by a running authnetd, or was written by a newer schema.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogStore>> Open(
      const std::filesystem::path& data_dir, const std::string& network,
      const std::string& member_id);
  ~LogStore();

  // ForEachBatch calls `fn` for every stored batch, grouped by origin in
  // sequence order; stops at and returns the first error.
  [[nodiscard]] absl::Status ForEachBatch(
      const std::function<absl::Status(const StoredBatch&)>& fn);

  // LastSeq returns the highest seq stored for `origin` (0 if none).
  [[nodiscard]] absl::StatusOr<uint64_t> LastSeq(const std::string& origin);

  // FindRecord returns the record `seq` of `origin`, or nullopt.
  [[nodiscard]] absl::StatusOr<std::optional<v1::Record>> FindRecord(const std::string& origin,
                                                                     uint64_t seq);

  // FindBatch returns the stored batch of `origin` that starts at
  // `first_seq`, or nullopt.
  [[nodiscard]] absl::StatusOr<std::optional<v1::SignedBatch>> FindBatch(const std::string& origin,
                                                                         uint64_t first_seq);

  // FindIdempotency returns the entry for `key_hash`, or nullopt.
  [[nodiscard]] absl::StatusOr<std::optional<IdempotencyEntry>> FindIdempotency(
      const std::string& key_hash);

  // Commit writes `batches` and `entries` in one transaction that is durable
  // (fsynced) when it returns OK. On failure nothing is written; disk faults
  // are UNAVAILABLE.
  [[nodiscard]] absl::Status Commit(const std::vector<StoredBatch>& batches,
                                    const std::vector<IdempotencyEntry>& entries);

  // GetMeta returns the value stored under `key` in the meta table, or
  // nullopt. PutMeta stores one, durably, in a transaction of its own.
  // Keys this node uses: network, member, roster_floor.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key);
  [[nodiscard]] absl::Status PutMeta(const std::string& key, const std::string& value);

  // Probe commits a small write (64 KiB to the meta table) to find out
  // whether the data dir takes writes again after a failed commit.
  [[nodiscard]] absl::Status Probe();

  // SchemaVersion is the version this binary migrates databases up to.
  static int SchemaVersion();

 private:
  LogStore(std::unique_ptr<SqliteDb> db, int lock_fd) : db_(std::move(db)), lock_fd_(lock_fd) {}
  [[nodiscard]] absl::Status Migrate();
  [[nodiscard]] absl::Status CheckIdentity(const std::string& network, const std::string& member_id,
                                           const std::filesystem::path& data_dir);

  std::unique_ptr<SqliteDb> db_;
  int lock_fd_;
};

}  // namespace authnet
