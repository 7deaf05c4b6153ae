#pragma once

#include <memory>
#include <string>

#include "node/bundle/directory_lock.h"
#include "node/store/log_store.h"
#include "node/store/pg_conn.h"

namespace authnet {

// PgLogStore keeps a member's log in PostgreSQL, shared by its replicas
// (docs/architecture.md §5): tables authnet_meta, authnet_batches, authnet_heads,
// authnet_idempotency and authnet_schema (the schema version, migrated
// forward under an advisory lock so replicas starting together migrate
// once). Every write transaction takes one advisory lock for the member, so
// replicas allocate seqs one after another and each seq is signed once;
// commits NOTIFY authnet_log so other replicas' models follow.
class PgLogStore : public LogStore {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogStore>> Open(const StoreLocation& where,
                                                                      const std::string& network,
                                                                      const std::string& member_id);

  absl::StatusOr<std::unique_ptr<WriteTxn>> Begin() override;
  absl::Status ForEachBatch(const std::function<absl::Status(const StoredBatch&)>& fn) override;
  absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) override;
  absl::Status PutMeta(const std::string& key, const std::string& value) override;
  absl::Status Probe() override;
  absl::StatusOr<std::unique_ptr<BatchReader>> OpenReader() override;
  bool Shared() const override { return true; }
  std::string Describe() const override { return description_; }

  // SchemaVersion is the version this binary migrates databases up to.
  static int SchemaVersion();

 private:
  class Txn;
  PgLogStore(StoreLocation where, DirectoryLock lock, std::unique_ptr<PgConn> conn)
      : where_(std::move(where)),
        lock_(std::move(lock)),
        conn_(std::move(conn)),
        description_(conn_->Describe()) {}
  // Ready reconnects after a lost connection.
  [[nodiscard]] absl::Status Ready();
  [[nodiscard]] absl::Status Migrate();
  [[nodiscard]] absl::Status CheckIdentity(const std::string& network,
                                           const std::string& member_id);

  const StoreLocation where_;
  // This replica's data dir (roster, tokens) is its own: locked like SQLite's.
  DirectoryLock lock_;
  std::unique_ptr<PgConn> conn_;  // the writer's connection
  const std::string description_;
};

}  // namespace authnet
