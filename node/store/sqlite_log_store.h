#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "node/bundle/directory_lock.h"
#include "node/store/log_store.h"
#include "node/store/sqlite_db.h"

namespace authnet {

// SqliteLogStore is the embedded engine (docs/architecture.md §5): DATA_DIR/authnet.db
// in WAL mode with synchronous=FULL, a versioned schema with forward
// migrations, and an exclusive lock on the data directory (one process).
class SqliteLogStore : public LogStore {
 public:
  // Open opens or creates DATA_DIR/authnet.db (LogStore::Open).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogStore>> Open(
      const std::filesystem::path& data_dir, const std::string& network,
      const std::string& member_id);
  ~SqliteLogStore() override;

  absl::StatusOr<std::unique_ptr<WriteTxn>> Begin() override;
  absl::Status ForEachBatch(const std::function<absl::Status(const StoredBatch&)>& fn) override;
  absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) override;
  absl::Status PutMeta(const std::string& key, const std::string& value) override;
  absl::Status Probe() override;
  absl::StatusOr<std::unique_ptr<BatchReader>> OpenReader() override;
  bool Shared() const override { return false; }
  std::string Describe() const override;

  // SchemaVersion is the version this binary migrates databases up to.
  static int SchemaVersion();

 private:
  class Txn;
  SqliteLogStore(std::filesystem::path data_dir, std::unique_ptr<SqliteDb> db, DirectoryLock lock)
      : data_dir_(std::move(data_dir)), db_(std::move(db)), lock_(std::move(lock)) {}
  [[nodiscard]] absl::Status Migrate();
  [[nodiscard]] absl::Status CheckIdentity(const std::string& network,
                                           const std::string& member_id);

  const std::filesystem::path data_dir_;
  std::unique_ptr<SqliteDb> db_;
  DirectoryLock lock_;  // the data dir's (released last)
};

}  // namespace authnet
