#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet {

// SqliteStatement is a prepared statement. Bind* take 1-based indexes.
// Not thread-safe: owned by the thread that uses its database.
class SqliteStatement {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  void BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_.get(), index, value); }
  void BindText(int index, absl::string_view value) {
    sqlite3_bind_text(stmt_.get(), index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  void BindBlob(int index, absl::string_view value) {
    sqlite3_bind_blob(stmt_.get(), index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  // Step returns true while a row is available, false when done; a failure is
  // an UNAVAILABLE status naming the database error.
  [[nodiscard]] absl::StatusOr<bool> Step();
  // Reset makes the statement ready to run again with new bindings.
  void Reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  std::string ColumnBlob(int col) const {
    const void* data = sqlite3_column_blob(stmt_.get(), col);
    int len = sqlite3_column_bytes(stmt_.get(), col);
    return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), len);
  }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// CachedStatement is a statement from SqliteDb::Cached, borrowed for one use:
// it is reset (bindings cleared, any read it holds ended) when this goes away.
class CachedStatement {
 public:
  explicit CachedStatement(SqliteStatement* s) : s_(s) {}
  CachedStatement(CachedStatement&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
  CachedStatement& operator=(CachedStatement&&) = delete;
  ~CachedStatement() {
    if (s_ != nullptr) {
      s_->Reset();
    }
  }
  SqliteStatement* operator->() const { return s_; }

 private:
  SqliteStatement* s_;
};

// SqliteDb is an open SQLite database handle. Not thread-safe: one thread
// uses it at a time (the store's writer thread, or start-up before it runs).
class SqliteDb {
 public:
  // Open opens (creating if needed) the database file at `path` with mode
  // 0600 and full-mutex off; the caller serializes access.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  // OpenReadOnly opens an existing database file for reading only.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SqliteDb>> OpenReadOnly(
      const std::string& path);

  // Exec runs one or more statements that return no rows.
  [[nodiscard]] absl::Status Exec(absl::string_view sql);
  // Prepare compiles one statement.
  [[nodiscard]] absl::StatusOr<SqliteStatement> Prepare(absl::string_view sql);
  // Cached returns the statement for `sql`, compiled on first use and kept
  // for the life of the handle (the hot paths run the same few statements).
  // One use at a time per statement.
  [[nodiscard]] absl::StatusOr<CachedStatement> Cached(const std::string& sql);

  sqlite3* raw() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
  // Declared after db_: finalized before the handle closes.
  absl::flat_hash_map<std::string, std::unique_ptr<SqliteStatement>> cache_;
};

}  // namespace authnet
