#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace authnet {

// A backup file is one SQLite database: a consistent snapshot of a data
// directory's authnet.db (VACUUM INTO, taken while the node runs) plus two
// tables of its own, backup_info (what it is, when it was taken) and
// backup_files (the data directory's roster.pb, roster-chain-V.pb and
// api-tokens). Mode 0600: it holds api token hashes and the member's
// idempotency MACs. docs/ops/backup-and-restore.md is the procedure.

// BackupSummary says what a backup holds.
struct BackupSummary {
  std::string network;
  std::string member;
  uint64_t own_head = 0;  // the member's own log's highest seq
  uint64_t batches = 0;   // batches of every origin
  int64_t taken_unix = 0;
  int files = 0;  // data directory files besides the database
};

// WriteBackup copies `data_dir` (SQLite) to `out`, which must not exist:
// written as out.partial, fsynced, then renamed. FAILED_PRECONDITION with
// what to do for a directory with no authnet.db or an existing `out`.
[[nodiscard]] absl::StatusOr<BackupSummary> WriteBackup(const std::filesystem::path& data_dir,
                                                        const std::filesystem::path& out,
                                                        int64_t now_unix);

// ReadBackup checks that `file` is an intact authnet backup and summarizes
// it. FAILED_PRECONDITION naming what is wrong.
[[nodiscard]] absl::StatusOr<BackupSummary> ReadBackup(const std::filesystem::path& file);

// ReadDataDir summarizes the database in `data_dir` (whose member it is),
// as a backup of it would.
[[nodiscard]] absl::StatusOr<BackupSummary> ReadDataDir(const std::filesystem::path& data_dir);

// ExtractBackup writes the backup's database to `data_dir`/authnet.db and
// its files next to it (mode 0600 each, fsynced). `data_dir` must hold
// none of them (the caller moved them aside).
[[nodiscard]] absl::Status ExtractBackup(const std::filesystem::path& file,
                                         const std::filesystem::path& data_dir);

}  // namespace authnet
