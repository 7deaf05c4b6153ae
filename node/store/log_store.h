#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "authnet/v1/records.pb.h"
#include "node/batch/batch_signing.h"

namespace authnet {

// IdempotencyEntry remembers which records a report's idempotency key made.
// Keys are stored only as HMACs (Digester::Mac): a caller's key may embed an
// order or customer number.
struct IdempotencyEntry {
  std::string key_hash;      // 32 bytes, Digester::Mac("idempotency", key)
  std::string request_hash;  // 32 bytes, over the report's records
  uint64_t first_seq = 0;
  uint32_t count = 0;
  uint32_t day = 0;
};

// StoreLocation says where a node's log lives: an empty `url` is SQLite in
// DATA_DIR/authnet.db; a postgresql:// URL (or any libpq connection string
// starting with "postgresql://", "postgres://" or holding "host=" or
// "dbname=") is PostgreSQL, shared by the member's replicas.
struct StoreLocation {
  std::filesystem::path data_dir;
  std::string url;
  // Names this process in the database's connection list (PostgreSQL
  // application_name) and in status; defaults to the host name.
  std::string replica;

  bool IsPostgres() const { return !url.empty(); }
};

// CheckStoreUrl checks that `url` is empty or names PostgreSQL in a form
// libpq parses, without connecting. INVALID_ARGUMENT saying what is wrong
// (never echoing a password).
[[nodiscard]] absl::Status CheckStoreUrl(const std::string& url);

// WriteTxn is one write transaction. It excludes every other writer of the
// same member's log, other replicas' included, from Begin until it commits
// or is destroyed (which rolls back whatever it wrote), so what it reads is
// what it writes after.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;

  // LastSeq returns the highest seq held of `origin` (0 if none).
  [[nodiscard]] virtual absl::StatusOr<uint64_t> LastSeq(const std::string& origin) = 0;
  // FindRecord returns the record `seq` of `origin`, or nullopt.
  [[nodiscard]] virtual absl::StatusOr<std::optional<v1::Record>> FindRecord(
      const std::string& origin, uint64_t seq) = 0;
  // FindBatch returns the batch of `origin` that starts at `first_seq`, or
  // nullopt.
  [[nodiscard]] virtual absl::StatusOr<std::optional<v1::SignedBatch>> FindBatch(
      const std::string& origin, uint64_t first_seq) = 0;
  // FindIdempotency returns the entry for `key_hash`, or nullopt.
  [[nodiscard]] virtual absl::StatusOr<std::optional<IdempotencyEntry>> FindIdempotency(
      const std::string& key_hash) = 0;
  // Put writes `batches` and `entries` (visible to this transaction only
  // until Commit).
  [[nodiscard]] virtual absl::Status Put(const std::vector<StoredBatch>& batches,
                                         const std::vector<IdempotencyEntry>& entries) = 0;
  // Commit makes everything Put durable (fsynced, and on PostgreSQL
  // replicated as synchronous_commit says) when it returns OK. Any failure
  // is UNAVAILABLE, including a connection lost while committing, whose
  // outcome is unknown: the caller must not acknowledge what it wrote.
  [[nodiscard]] virtual absl::Status Commit() = 0;
};

// BatchReader reads the log on a thread of its own (its own connection), for
// peers' pulls and, on PostgreSQL, to follow other replicas' commits.
// Not thread-safe: one thread uses it.
class BatchReader {
 public:
  virtual ~BatchReader() = default;

  // ReadBeyond calls `fn` with the batches of `origin` whose last_seq is
  // above `after`, in order, at most `max_batches` of them, until `fn`
  // returns false.
  [[nodiscard]] virtual absl::Status ReadBeyond(const std::string& origin, uint64_t after,
                                                uint32_t max_batches,
                                                const std::function<bool(StoredBatch&&)>& fn) = 0;
  // GetMeta returns the value stored under `key` in the meta table, or
  // nullopt (LogStore::GetMeta, on this reader's connection).
  [[nodiscard]] virtual absl::StatusOr<std::optional<std::string>> GetMeta(
      const std::string& key) = 0;
  // Heads returns origin -> highest seq held, for every origin held.
  [[nodiscard]] virtual absl::StatusOr<std::map<std::string, uint64_t>> Heads() = 0;
  // WaitForCommit returns when another process may have committed to the
  // log (PostgreSQL's LISTEN/NOTIFY) or after `timeout`; true if a commit
  // was announced. A store only this process writes just sleeps.
  [[nodiscard]] virtual absl::StatusOr<bool> WaitForCommit(absl::Duration timeout) = 0;
};

// LogStore keeps the node's log (docs/architecture.md §5): signed batches, idempotency
// keys and a small meta table (network, member, roster floor). It holds only
// digests and signed batches, never a raw identifier. Two engines: SQLite
// (embedded, one process) and PostgreSQL (shared by a member's replicas).
//
// Not thread-safe: start-up uses it on one thread, then only the
// ReportWriter thread does; readers on other threads open a BatchReader.
class LogStore {
 public:
  // Open opens the store `where` says, creating or migrating its schema,
  // and checks that it belongs to `member_id` of `network` (recording them
  // on first use). FAILED_PRECONDITION with one line saying what to do when
  // it is another member's, is in use by a running authnetd (SQLite), was
  // written by a newer schema or cannot be reached.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogStore>> Open(const StoreLocation& where,
                                                                      const std::string& network,
                                                                      const std::string& member_id);
  virtual ~LogStore() = default;

  // Begin starts a write transaction (WriteTxn). UNAVAILABLE when the
  // database cannot be reached.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<WriteTxn>> Begin() = 0;

  // ForEachBatch calls `fn` for every stored batch, grouped by origin in
  // sequence order; stops at and returns the first error.
  [[nodiscard]] virtual absl::Status ForEachBatch(
      const std::function<absl::Status(const StoredBatch&)>& fn) = 0;

  // GetMeta returns the value stored under `key` in the meta table, or
  // nullopt. PutMeta stores one, durably, in a transaction of its own.
  // Keys this node uses: network, member, roster_floor.
  [[nodiscard]] virtual absl::StatusOr<std::optional<std::string>> GetMeta(
      const std::string& key) = 0;
  [[nodiscard]] virtual absl::Status PutMeta(const std::string& key, const std::string& value) = 0;

  // Probe commits a small write to find out whether the store takes writes
  // again after a failed commit (a full disk, a lost database connection).
  [[nodiscard]] virtual absl::Status Probe() = 0;

  // OpenReader opens a BatchReader on a connection of its own.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<BatchReader>> OpenReader() = 0;

  // Shared: other processes (replicas) write this log too, so the model must
  // follow it (LogFollower).
  virtual bool Shared() const = 0;
  // Describe names the store for logs and errors, never with a password.
  virtual std::string Describe() const = 0;

  // Commit writes `batches` and `entries` in one transaction of their own.
  [[nodiscard]] absl::Status Commit(const std::vector<StoredBatch>& batches,
                                    const std::vector<IdempotencyEntry>& entries);
  // LastSeq returns the highest seq stored for `origin` (0 if none).
  [[nodiscard]] absl::StatusOr<uint64_t> LastSeq(const std::string& origin);
};

}  // namespace authnet
