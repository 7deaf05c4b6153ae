#include "node/store/sqlite_log_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "node/store/data_dir.h"

namespace authnet {
namespace {

// kMigrations[i] takes the schema from version i to i + 1. Append only.
constexpr std::array<absl::string_view, 1> kMigrations = {
    R"sql(
    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value BLOB NOT NULL
    ) WITHOUT ROWID;
    -- Signed batches exactly as their origin signed them.
    CREATE TABLE batches (
      origin    TEXT    NOT NULL,
      first_seq INTEGER NOT NULL,
      last_seq  INTEGER NOT NULL,
      body      BLOB    NOT NULL,
      signature BLOB    NOT NULL,
      PRIMARY KEY (origin, first_seq)
    ) WITHOUT ROWID;
    -- Reports already made, by SHA-256 of their idempotency key.
    CREATE TABLE idempotency (
      key_hash     BLOB    PRIMARY KEY,
      request_hash BLOB    NOT NULL,
      first_seq    INTEGER NOT NULL,
      count        INTEGER NOT NULL,
      day          INTEGER NOT NULL
    ) WITHOUT ROWID;
    )sql",
};

absl::Status Precondition(const std::filesystem::path& dir, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("data dir ", dir.string(), ": ", what));
}

}  // namespace

int SqliteLogStore::SchemaVersion() { return static_cast<int>(kMigrations.size()); }

absl::StatusOr<std::unique_ptr<LogStore>> SqliteLogStore::Open(
    const std::filesystem::path& data_dir, const std::string& network,
    const std::string& member_id) {
  absl::StatusOr<DirectoryLock> lock = OpenDataDir(data_dir);
  if (!lock.ok()) {
    return lock.status();
  }
  // Create the database file private before SQLite opens it; its -wal and
  // -shm files inherit the mode.
  std::filesystem::path db_path = data_dir / "authnet.db";
  int db_fd = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (db_fd < 0) {
    return Precondition(data_dir, absl::StrCat("cannot open authnet.db: ", std::strerror(errno)));
  }
  ::close(db_fd);
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(db_path.string());
  if (!db.ok()) {
    return db.status();
  }
  std::unique_ptr<SqliteLogStore> store(
      new SqliteLogStore(data_dir, *std::move(db), *std::move(lock)));
  // WAL with synchronous=FULL: a committed transaction survives power loss.
  // Checkpoint every 8192 pages (32 MB) rather than SQLite's 1000: a page
  // that many commits touch (the idempotency index's leaves) is copied to
  // the database once per checkpoint, and the report benchmark went from
  // ~12k to ~16.5k durable reports/s (bench/README.md). 32768 was slower.
  absl::Status st = store->db_->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
      "PRAGMA wal_autocheckpoint=8192;");
  if (!st.ok()) {
    return Precondition(data_dir, absl::StrCat("authnet.db is not usable: ", st.message()));
  }
  if (st = store->Migrate(); !st.ok()) {
    return Precondition(data_dir, st.message());
  }
  if (st = store->CheckIdentity(network, member_id); !st.ok()) {
    return st;
  }
  return std::unique_ptr<LogStore>(std::move(store));
}

SqliteLogStore::~SqliteLogStore() { db_.reset(); }

absl::Status SqliteLogStore::Migrate() {
  absl::StatusOr<SqliteStatement> q = db_->Prepare("PRAGMA user_version");
  if (!q.ok()) {
    return q.status();
  }
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) {
    return absl::Status(
        row.status().code(),
        absl::StrCat("authnet.db is damaged or not a database: ", row.status().message()));
  }
  int version = static_cast<int>(q->ColumnInt(0));
  if (version > SchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat("authnet.db has schema version ", version,
                                                      " but this authnetd knows up to ",
                                                      SchemaVersion(), "; run a newer authnetd"));
  }
  for (int v = version; v < SchemaVersion(); ++v) {
    std::string sql = absl::StrCat("BEGIN IMMEDIATE;", kMigrations[v],
                                   "PRAGMA user_version=", v + 1, "; COMMIT;");
    if (absl::Status st = db_->Exec(sql); !st.ok()) {
      (void)db_->Exec("ROLLBACK");
      return absl::Status(
          st.code(), absl::StrCat("migrating authnet.db to schema ", v + 1, ": ", st.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteLogStore::CheckIdentity(const std::string& network,
                                           const std::string& member_id) {
  for (const auto& [key, want] : {std::pair<std::string, std::string>{"network", network},
                                  std::pair<std::string, std::string>{"member", member_id}}) {
    absl::StatusOr<std::optional<std::string>> have = GetMeta(key);
    if (!have.ok()) {
      return have.status();
    }
    if (!have->has_value()) {
      if (absl::Status st = PutMeta(key, want); !st.ok()) {
        return st;
      }
    } else if (**have != want) {
      return Precondition(data_dir_, absl::StrCat("it belongs to ", key, " '", **have,
                                                  "' but the bundle is for ", key, " '", want,
                                                  "'; use that member's bundle or another --data"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> SqliteLogStore::GetMeta(const std::string& key) {
  absl::StatusOr<CachedStatement> get = db_->Cached("SELECT value FROM meta WHERE key = ?");
  if (!get.ok()) {
    return get.status();
  }
  (*get)->Reset();
  (*get)->BindText(1, key);
  absl::StatusOr<bool> row = (*get)->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return std::nullopt;
  }
  return (*get)->ColumnBlob(0);
}

absl::Status SqliteLogStore::PutMeta(const std::string& key, const std::string& value) {
  absl::StatusOr<CachedStatement> put =
      db_->Cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  if (!put.ok()) {
    return put.status();
  }
  (*put)->Reset();
  (*put)->BindText(1, key);
  (*put)->BindText(2, value);
  absl::StatusOr<bool> done = (*put)->Step();
  return done.status();
}

absl::Status SqliteLogStore::ForEachBatch(
    const std::function<absl::Status(const StoredBatch&)>& fn) {
  absl::StatusOr<SqliteStatement> q = db_->Prepare(
      "SELECT origin, first_seq, last_seq, body, signature FROM batches ORDER BY origin, "
      "first_seq");
  if (!q.ok()) {
    return q.status();
  }
  StoredBatch b;
  while (true) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return absl::OkStatus();
    }
    b.origin = q->ColumnBlob(0);
    b.first_seq = static_cast<uint64_t>(q->ColumnInt(1));
    b.last_seq = static_cast<uint64_t>(q->ColumnInt(2));
    b.batch.set_body(q->ColumnBlob(3));
    b.batch.set_signature(q->ColumnBlob(4));
    if (absl::Status st = fn(b); !st.ok()) {
      return st;
    }
  }
}

absl::Status SqliteLogStore::Probe() {
  absl::Status st = db_->Exec(
      "BEGIN IMMEDIATE; INSERT OR REPLACE INTO meta (key, value) VALUES ('write_probe', "
      "randomblob(65536)); COMMIT");
  if (!st.ok()) {
    (void)db_->Exec("ROLLBACK");
  }
  return st;
}

std::string SqliteLogStore::Describe() const {
  return absl::StrCat("SQLite ", (data_dir_ / "authnet.db").string());
}

// Txn is BEGIN IMMEDIATE ... COMMIT on the store's one connection: SQLite's
// write lock plus the data directory's lock exclude every other writer.
class SqliteLogStore::Txn : public WriteTxn {
 public:
  explicit Txn(SqliteDb& db) : db_(db) {}
  ~Txn() override {
    if (open_) {
      (void)db_.Exec("ROLLBACK");
    }
  }
  [[nodiscard]] absl::Status Start() {
    absl::Status st = db_.Exec("BEGIN IMMEDIATE");
    open_ = st.ok();
    return st;
  }

  absl::StatusOr<uint64_t> LastSeq(const std::string& origin) override {
    // Batches of an origin are contiguous: the one that starts last ends last.
    absl::StatusOr<CachedStatement> q =
        db_.Cached("SELECT last_seq FROM batches WHERE origin = ? ORDER BY first_seq DESC LIMIT 1");
    if (!q.ok()) {
      return q.status();
    }
    (*q)->BindText(1, origin);
    absl::StatusOr<bool> row = (*q)->Step();
    if (!row.ok()) {
      return row.status();
    }
    return *row ? static_cast<uint64_t>((*q)->ColumnInt(0)) : 0;
  }

  absl::StatusOr<std::optional<v1::Record>> FindRecord(const std::string& origin,
                                                       uint64_t seq) override {
    absl::StatusOr<CachedStatement> q = db_.Cached(
        "SELECT body FROM batches WHERE origin = ? AND first_seq <= ? AND last_seq >= ? "
        "ORDER BY first_seq DESC LIMIT 1");
    if (!q.ok()) {
      return q.status();
    }
    (*q)->BindText(1, origin);
    (*q)->BindInt(2, static_cast<int64_t>(seq));
    (*q)->BindInt(3, static_cast<int64_t>(seq));
    absl::StatusOr<bool> row = (*q)->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return std::nullopt;
    }
    absl::StatusOr<v1::Record> record = RecordInStoredBatch(origin, seq, (*q)->ColumnBlob(0));
    if (!record.ok()) {
      return record.status();
    }
    return std::optional<v1::Record>(*std::move(record));
  }

  absl::StatusOr<std::optional<v1::SignedBatch>> FindBatch(const std::string& origin,
                                                           uint64_t first_seq) override {
    absl::StatusOr<CachedStatement> q =
        db_.Cached("SELECT body, signature FROM batches WHERE origin = ? AND first_seq = ?");
    if (!q.ok()) {
      return q.status();
    }
    (*q)->BindText(1, origin);
    (*q)->BindInt(2, static_cast<int64_t>(first_seq));
    absl::StatusOr<bool> row = (*q)->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return std::nullopt;
    }
    v1::SignedBatch batch;
    batch.set_body((*q)->ColumnBlob(0));
    batch.set_signature((*q)->ColumnBlob(1));
    return batch;
  }

  absl::StatusOr<std::optional<IdempotencyEntry>> FindIdempotency(
      const std::string& key_hash) override {
    absl::StatusOr<CachedStatement> q = db_.Cached(
        "SELECT request_hash, first_seq, count, day FROM idempotency WHERE key_hash = ?");
    if (!q.ok()) {
      return q.status();
    }
    (*q)->BindBlob(1, key_hash);
    absl::StatusOr<bool> row = (*q)->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return std::nullopt;
    }
    return IdempotencyEntry{
        key_hash, (*q)->ColumnBlob(0), static_cast<uint64_t>((*q)->ColumnInt(1)),
        static_cast<uint32_t>((*q)->ColumnInt(2)), static_cast<uint32_t>((*q)->ColumnInt(3))};
  }

  absl::Status Put(const std::vector<StoredBatch>& batches,
                   const std::vector<IdempotencyEntry>& entries) override {
    absl::StatusOr<CachedStatement> put_batch = db_.Cached(
        "INSERT INTO batches (origin, first_seq, last_seq, body, signature) VALUES (?, ?, ?, ?, "
        "?)");
    if (!put_batch.ok()) {
      return put_batch.status();
    }
    for (const StoredBatch& b : batches) {
      (*put_batch)->Reset();
      (*put_batch)->BindText(1, b.origin);
      (*put_batch)->BindInt(2, static_cast<int64_t>(b.first_seq));
      (*put_batch)->BindInt(3, static_cast<int64_t>(b.last_seq));
      (*put_batch)->BindBlob(4, b.batch.body());
      (*put_batch)->BindBlob(5, b.batch.signature());
      if (absl::StatusOr<bool> done = (*put_batch)->Step(); !done.ok()) {
        return done.status();
      }
    }
    absl::StatusOr<CachedStatement> put_key = db_.Cached(
        "INSERT INTO idempotency (key_hash, request_hash, first_seq, count, day) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!put_key.ok()) {
      return put_key.status();
    }
    for (const IdempotencyEntry& e : entries) {
      (*put_key)->Reset();
      (*put_key)->BindBlob(1, e.key_hash);
      (*put_key)->BindBlob(2, e.request_hash);
      (*put_key)->BindInt(3, static_cast<int64_t>(e.first_seq));
      (*put_key)->BindInt(4, e.count);
      (*put_key)->BindInt(5, e.day);
      if (absl::StatusOr<bool> done = (*put_key)->Step(); !done.ok()) {
        return done.status();
      }
    }
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    absl::Status st = db_.Exec("COMMIT");
    if (!st.ok()) {
      // A failed COMMIT may leave the transaction open: the destructor rolls
      // back whatever is left.
      return absl::UnavailableError(st.message());
    }
    open_ = false;
    return st;
  }

 private:
  SqliteDb& db_;
  bool open_ = false;
};

absl::StatusOr<std::unique_ptr<WriteTxn>> SqliteLogStore::Begin() {
  auto txn = std::make_unique<Txn>(*db_);
  if (absl::Status st = txn->Start(); !st.ok()) {
    return st;
  }
  return std::unique_ptr<WriteTxn>(std::move(txn));
}

namespace {

// SqliteReader reads on a read-only connection of its own: WAL lets it read
// while the writer commits.
class SqliteReader : public BatchReader {
 public:
  explicit SqliteReader(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  absl::Status ReadBeyond(const std::string& origin, uint64_t after, uint32_t max_batches,
                          const std::function<bool(StoredBatch&&)>& fn) override {
    absl::StatusOr<CachedStatement> q = db_->Cached(
        "SELECT first_seq, last_seq, body, signature FROM batches WHERE origin = ? AND "
        "last_seq > ? ORDER BY first_seq LIMIT ?");
    if (!q.ok()) {
      return q.status();
    }
    (*q)->BindText(1, origin);
    (*q)->BindInt(2, static_cast<int64_t>(after));
    (*q)->BindInt(3, max_batches);
    while (true) {
      absl::StatusOr<bool> row = (*q)->Step();
      if (!row.ok() || !*row) {
        return row.status();
      }
      StoredBatch b{origin,
                    static_cast<uint64_t>((*q)->ColumnInt(0)),
                    static_cast<uint64_t>((*q)->ColumnInt(1)),
                    {}};
      b.batch.set_body((*q)->ColumnBlob(2));
      b.batch.set_signature((*q)->ColumnBlob(3));
      if (!fn(std::move(b))) {
        return absl::OkStatus();
      }
    }
  }

  absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) override {
    absl::StatusOr<CachedStatement> q = db_->Cached("SELECT value FROM meta WHERE key = ?");
    if (!q.ok()) {
      return q.status();
    }
    (*q)->BindText(1, key);
    absl::StatusOr<bool> row = (*q)->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return std::nullopt;
    }
    return (*q)->ColumnBlob(0);
  }

  absl::StatusOr<std::map<std::string, uint64_t>> Heads() override {
    absl::StatusOr<CachedStatement> q =
        db_->Cached("SELECT origin, MAX(last_seq) FROM batches GROUP BY origin");
    if (!q.ok()) {
      return q.status();
    }
    std::map<std::string, uint64_t> heads;
    while (true) {
      absl::StatusOr<bool> row = (*q)->Step();
      if (!row.ok()) {
        return row.status();
      }
      if (!*row) {
        return heads;
      }
      heads[(*q)->ColumnBlob(0)] = static_cast<uint64_t>((*q)->ColumnInt(1));
    }
  }

  absl::StatusOr<bool> WaitForCommit(absl::Duration timeout) override {
    absl::SleepFor(timeout);  // only this process writes
    return false;
  }

 private:
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BatchReader>> SqliteLogStore::OpenReader() {
  absl::StatusOr<std::unique_ptr<SqliteDb>> db =
      SqliteDb::OpenReadOnly((data_dir_ / "authnet.db").string());
  if (!db.ok()) {
    return db.status();
  }
  return std::unique_ptr<BatchReader>(std::make_unique<SqliteReader>(*std::move(db)));
}

}  // namespace authnet
