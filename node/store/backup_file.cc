#include "node/store/backup_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/bundle/api_tokens.h"
#include "node/bundle/file_names.h"
#include "node/bundle/secure_file.h"
#include "node/store/sqlite_db.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;

constexpr char kFormat[] = "authnet-backup-1";
constexpr char kDbFile[] = "authnet.db";

absl::Status Precondition(const fs::path& path, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(path.string(), ": ", what));
}

// IsDataDirFile: the data directory files a backup carries besides the
// database (nothing else may come out of one: no path, no other name).
bool IsDataDirFile(const std::string& name) {
  if (name == kRosterFile || name == kApiTokensFile) {
    return true;
  }
  constexpr absl::string_view kChain = "roster-chain-";
  if (!absl::StartsWith(name, kChain) || !absl::EndsWith(name, ".pb")) {
    return false;
  }
  absl::string_view digits(name);
  digits.remove_prefix(kChain.size());
  digits.remove_suffix(3);
  return !digits.empty() && digits.size() <= 20 &&
         digits.find_first_not_of("0123456789") == absl::string_view::npos;
}

// CreateEmptyPrivate creates `path` empty with mode 0600 (VACUUM INTO
// fills an empty file and keeps its mode), replacing a stale one.
absl::Status CreateEmptyPrivate(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Precondition(path, absl::StrCat("cannot create it: ", std::strerror(errno)));
  }
  ::fchmod(fd, 0600);
  ::close(fd);
  return absl::OkStatus();
}

// Fsync makes `path` (a file or a directory) durable.
absl::Status Fsync(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    return Precondition(path, absl::StrCat("cannot sync it to disk: ", std::strerror(err)));
  }
  ::close(fd);
  return absl::OkStatus();
}

absl::Status VacuumInto(SqliteDb& from, const fs::path& to) {
  if (absl::Status st = CreateEmptyPrivate(to); !st.ok()) {
    return st;
  }
  absl::StatusOr<SqliteStatement> q = from.Prepare("VACUUM INTO ?");
  if (!q.ok()) {
    return q.status();
  }
  q->BindText(1, to.string());
  if (absl::StatusOr<bool> done = q->Step(); !done.ok()) {
    std::error_code ec;
    fs::remove(to, ec);
    return Precondition(to, absl::StrCat("cannot copy the database: ", done.status().message()));
  }
  return absl::OkStatus();
}

// One text or blob value of a query with one optional bound text.
absl::StatusOr<std::optional<std::string>> Value(SqliteDb& db, absl::string_view sql,
                                                 absl::string_view arg = "") {
  absl::StatusOr<SqliteStatement> q = db.Prepare(sql);
  if (!q.ok()) {
    return q.status();
  }
  if (!arg.empty()) {
    q->BindText(1, arg);
  }
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return std::nullopt;
  }
  return q->ColumnBlob(0);
}

absl::StatusOr<BackupSummary> Summarize(SqliteDb& db) {
  BackupSummary s;
  for (auto [key, out] : {std::pair{"network", &s.network}, std::pair{"member", &s.member}}) {
    absl::StatusOr<std::optional<std::string>> v =
        Value(db, "SELECT value FROM meta WHERE key = ?", key);
    if (!v.ok()) {
      return v.status();
    }
    if (!v->has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("it names no ", key, " (a data directory no node has started on?)"));
    }
    *out = **v;
  }
  absl::StatusOr<SqliteStatement> q = db.Prepare(
      "SELECT (SELECT COUNT(*) FROM batches), "
      "(SELECT COALESCE(MAX(last_seq), 0) FROM batches WHERE origin = ?)");
  if (!q.ok()) {
    return q.status();
  }
  q->BindText(1, s.member);
  if (absl::StatusOr<bool> row = q->Step(); !row.ok()) {
    return row.status();
  }
  s.batches = static_cast<uint64_t>(q->ColumnInt(0));
  s.own_head = static_cast<uint64_t>(q->ColumnInt(1));
  return s;
}

absl::Status AddFiles(SqliteDb& copy, const fs::path& data_dir, BackupSummary& s) {
  if (absl::Status st =
          copy.Exec("CREATE TABLE backup_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                    "CREATE TABLE backup_files (name TEXT PRIMARY KEY, content BLOB NOT NULL);");
      !st.ok()) {
    return st;
  }
  absl::StatusOr<SqliteStatement> info =
      copy.Prepare("INSERT INTO backup_info VALUES ('format', ?), ('taken_unix', ?)");
  if (!info.ok()) {
    return info.status();
  }
  info->BindText(1, kFormat);
  info->BindText(2, std::to_string(s.taken_unix));
  if (absl::StatusOr<bool> done = info->Step(); !done.ok()) {
    return done.status();
  }
  absl::StatusOr<SqliteStatement> put = copy.Prepare("INSERT INTO backup_files VALUES (?, ?)");
  if (!put.ok()) {
    return put.status();
  }
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(data_dir, ec)) {
    std::string name = e.path().filename().string();
    if (!IsDataDirFile(name)) {
      continue;
    }
    absl::StatusOr<std::string> content = ReadFile(e.path());
    if (!content.ok()) {
      return content.status();
    }
    put->Reset();
    put->BindText(1, name);
    put->BindBlob(2, *content);
    if (absl::StatusOr<bool> done = put->Step(); !done.ok()) {
      return done.status();
    }
    ++s.files;
  }
  if (ec) {
    return Precondition(data_dir, absl::StrCat("cannot list it: ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BackupSummary> WriteBackup(const fs::path& data_dir, const fs::path& out,
                                          int64_t now_unix) {
  const fs::path db_path = data_dir / kDbFile;
  std::error_code ec;
  if (!fs::is_regular_file(db_path, ec)) {
    return Precondition(data_dir,
                        "holds no authnet.db: is it the node's --data directory? (a node on "
                        "PostgreSQL is backed up with pg_dump; docs/ops/backup-and-restore.md)");
  }
  if (fs::exists(out, ec)) {
    return Precondition(out, "exists already; name a new file (a backup never overwrites one)");
  }
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::OpenReadOnly(db_path.string());
  if (!db.ok()) {
    return Precondition(db_path, db.status().message());
  }
  const fs::path partial = fs::path(out.string() + ".partial");
  if (absl::Status st = VacuumInto(**db, partial); !st.ok()) {
    return st;
  }
  db->reset();
  absl::StatusOr<BackupSummary> s = [&]() -> absl::StatusOr<BackupSummary> {
    absl::StatusOr<std::unique_ptr<SqliteDb>> copy = SqliteDb::Open(partial.string());
    if (!copy.ok()) {
      return copy.status();
    }
    absl::StatusOr<BackupSummary> summary = Summarize(**copy);
    if (!summary.ok()) {
      return Precondition(db_path, summary.status().message());
    }
    summary->taken_unix = now_unix;
    if (absl::Status st = AddFiles(**copy, data_dir, *summary); !st.ok()) {
      return st;
    }
    return summary;
  }();
  if (s.ok()) {
    if (absl::Status st = Fsync(partial); !st.ok()) {
      s = st;
    } else if (::rename(partial.c_str(), out.c_str()) != 0) {
      s = Precondition(out,
                       absl::StrCat("cannot rename the copy into place: ", std::strerror(errno)));
    }
  }
  if (!s.ok()) {
    fs::remove(partial, ec);
    return s.status();
  }
  if (absl::Status st = Fsync(out.parent_path().empty() ? fs::path(".") : out.parent_path());
      !st.ok()) {
    return st;
  }
  return s;
}

absl::StatusOr<BackupSummary> ReadBackup(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return Precondition(file, "no such file");
  }
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::OpenReadOnly(file.string());
  if (!db.ok()) {
    return Precondition(file, db.status().message());
  }
  absl::StatusOr<std::optional<std::string>> format =
      Value(**db, "SELECT value FROM backup_info WHERE key = 'format'");
  if (!format.ok() || !format->has_value() || **format != kFormat) {
    return Precondition(file, "is not an authnet backup (made by `authnetctl backup`)");
  }
  absl::StatusOr<std::optional<std::string>> check = Value(**db, "PRAGMA quick_check");
  if (!check.ok() || !check->has_value() || **check != "ok") {
    return Precondition(file, "is damaged (SQLite's quick_check fails); use another backup");
  }
  absl::StatusOr<BackupSummary> s = Summarize(**db);
  if (!s.ok()) {
    return Precondition(file, s.status().message());
  }
  absl::StatusOr<std::optional<std::string>> taken =
      Value(**db, "SELECT value FROM backup_info WHERE key = 'taken_unix'");
  absl::StatusOr<std::optional<std::string>> files =
      Value(**db, "SELECT COUNT(*) FROM backup_files");
  if (taken.ok() && taken->has_value()) {
    s->taken_unix = std::strtoll((*taken)->c_str(), nullptr, 10);
  }
  if (files.ok() && files->has_value()) {
    s->files = std::atoi((*files)->c_str());
  }
  return s;
}

absl::StatusOr<BackupSummary> ReadDataDir(const fs::path& data_dir) {
  const fs::path db_path = data_dir / kDbFile;
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::OpenReadOnly(db_path.string());
  if (!db.ok()) {
    return Precondition(db_path, db.status().message());
  }
  absl::StatusOr<BackupSummary> s = Summarize(**db);
  if (!s.ok()) {
    return Precondition(db_path, s.status().message());
  }
  return s;
}

absl::Status ExtractBackup(const fs::path& file, const fs::path& data_dir) {
  const fs::path db_path = data_dir / kDbFile;
  const fs::path restoring = data_dir / "authnet.db.restoring";
  absl::StatusOr<std::unique_ptr<SqliteDb>> from = SqliteDb::OpenReadOnly(file.string());
  if (!from.ok()) {
    return Precondition(file, from.status().message());
  }
  if (absl::Status st = VacuumInto(**from, restoring); !st.ok()) {
    return st;
  }
  from->reset();
  absl::Status st = [&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(restoring.string());
    if (!db.ok()) {
      return db.status();
    }
    absl::StatusOr<SqliteStatement> q = (*db)->Prepare("SELECT name, content FROM backup_files");
    if (!q.ok()) {
      return q.status();
    }
    while (true) {
      absl::StatusOr<bool> row = q->Step();
      if (!row.ok() || !*row) {
        if (!row.ok()) {
          return row.status();
        }
        break;
      }
      std::string name = q->ColumnBlob(0);
      if (!IsDataDirFile(name)) {
        return Precondition(file, absl::StrCat("holds a file named '", name,
                                               "', which no data directory has; refusing it"));
      }
      if (absl::Status w = WriteFileAtomically(data_dir / name, q->ColumnBlob(1), 0600); !w.ok()) {
        return w;
      }
    }
    return (*db)->Exec("DROP TABLE backup_files; DROP TABLE backup_info;");
  }();
  if (st.ok()) {
    st = Fsync(restoring);
  }
  if (st.ok() && ::rename(restoring.c_str(), db_path.c_str()) != 0) {
    st = Precondition(db_path, absl::StrCat("cannot rename the restored database into place: ",
                                            std::strerror(errno)));
  }
  if (!st.ok()) {
    std::error_code ec;
    fs::remove(restoring, ec);
    return st;
  }
  return Fsync(data_dir);
}

}  // namespace authnet
