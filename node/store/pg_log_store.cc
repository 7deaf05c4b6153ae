#include "node/store/pg_log_store.h"

#include <poll.h>

#include <array>

#include "absl/strings/str_cat.h"
#include "node/store/data_dir.h"

namespace authnet {
namespace {

// kMigrations[i] takes the schema from version i to i + 1. Append only.
constexpr std::array<const char*, 1> kMigrations = {
    R"sql(
    CREATE TABLE authnet_meta (
      key   TEXT PRIMARY KEY,
      value BYTEA NOT NULL
    );
    -- Signed batches exactly as their origin signed them.
    CREATE TABLE authnet_batches (
      origin    TEXT   NOT NULL,
      first_seq BIGINT NOT NULL,
      last_seq  BIGINT NOT NULL,
      body      BYTEA  NOT NULL,
      signature BYTEA  NOT NULL,
      PRIMARY KEY (origin, first_seq)
    );
    -- The highest seq held per origin, kept with every insert.
    CREATE TABLE authnet_heads (
      origin   TEXT   PRIMARY KEY,
      last_seq BIGINT NOT NULL
    );
    -- Reports already made, by HMAC of their idempotency key.
    CREATE TABLE authnet_idempotency (
      key_hash     BYTEA   PRIMARY KEY,
      request_hash BYTEA   NOT NULL,
      first_seq    BIGINT  NOT NULL,
      count        INTEGER NOT NULL,
      day          INTEGER NOT NULL
    );
    )sql",
};

// Advisory lock keys: one for migrations, one every write transaction takes.
constexpr int64_t kMigrationLock = 0x61757468'6e657401;  // "authnet\1"
constexpr int64_t kWriteLock = 0x61757468'6e657402;      // "authnet\2"
// The channel commits notify, for LogFollower.
constexpr char kChannel[] = "authnet_log";

// ReadMeta returns meta `key` read on `conn`, or nullopt.
absl::StatusOr<std::optional<std::string>> ReadMeta(PgConn& conn, const std::string& key) {
  absl::StatusOr<PgResult> r =
      conn.Run("SELECT value FROM authnet_meta WHERE key = $1", {PgParam::Text(key)});
  if (!r.ok()) {
    return r.status();
  }
  if (r->Rows() == 0) {
    return std::nullopt;
  }
  return r->Bytes(0, 0);
}

absl::Status Precondition(absl::string_view where, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("--store ", where, ": ", what));
}

}  // namespace

int PgLogStore::SchemaVersion() { return static_cast<int>(kMigrations.size()); }

absl::StatusOr<std::unique_ptr<LogStore>> PgLogStore::Open(const StoreLocation& where,
                                                           const std::string& network,
                                                           const std::string& member_id) {
  absl::StatusOr<DirectoryLock> lock = OpenDataDir(where.data_dir);
  if (!lock.ok()) {
    return lock.status();
  }
  absl::StatusOr<std::unique_ptr<PgConn>> conn = PgConn::Connect(where.url, where.replica);
  if (!conn.ok()) {
    return Precondition("", absl::StrCat(conn.status().message(),
                                         "; check the URL and that the server is running"));
  }
  std::unique_ptr<PgLogStore> store(new PgLogStore(where, *std::move(lock), *std::move(conn)));
  if (absl::Status st = store->Migrate(); !st.ok()) {
    return Precondition(store->Describe(), st.message());
  }
  if (absl::Status st = store->CheckIdentity(network, member_id); !st.ok()) {
    return st;
  }
  return std::unique_ptr<LogStore>(std::move(store));
}

absl::Status PgLogStore::Ready() {
  return conn_->Healthy() ? absl::OkStatus() : conn_->Reconnect();
}

absl::Status PgLogStore::Migrate() {
  // A session lock: replicas starting together wait for the first to migrate.
  absl::StatusOr<PgResult> locked =
      conn_->Run("SELECT pg_advisory_lock($1)", {PgParam::Int(kMigrationLock)});
  if (!locked.ok()) {
    return locked.status();
  }
  auto migrate = [&]() -> absl::Status {
    if (absl::Status st = conn_->Exec(
            "CREATE TABLE IF NOT EXISTS authnet_schema (version INTEGER NOT NULL); "
            "INSERT INTO authnet_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM authnet_schema)");
        !st.ok()) {
      return absl::Status(st.code(), absl::StrCat("cannot create authnet_schema: ", st.message()));
    }
    absl::StatusOr<PgResult> v = conn_->Run("SELECT version FROM authnet_schema");
    if (!v.ok()) {
      return v.status();
    }
    int version = static_cast<int>(v->Int(0, 0));
    if (version > SchemaVersion()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database has authnet schema version ", version, " but this authnetd knows up to ",
          SchemaVersion(), "; run a newer authnetd (replicas: upgrade them all)"));
    }
    for (int to = version + 1; to <= SchemaVersion(); ++to) {
      std::string sql = absl::StrCat("BEGIN; ", kMigrations[to - 1],
                                     "; UPDATE authnet_schema SET version = ", to, "; COMMIT");
      if (absl::Status st = conn_->Exec(sql); !st.ok()) {
        (void)conn_->Exec("ROLLBACK");
        return absl::Status(st.code(),
                            absl::StrCat("migrating to schema ", to, ": ", st.message()));
      }
    }
    return absl::OkStatus();
  };
  absl::Status st = migrate();
  (void)conn_->Run("SELECT pg_advisory_unlock($1)", {PgParam::Int(kMigrationLock)});
  return st;
}

absl::Status PgLogStore::CheckIdentity(const std::string& network, const std::string& member_id) {
  for (const auto& [key, want] : {std::pair<std::string, std::string>{"network", network},
                                  std::pair<std::string, std::string>{"member", member_id}}) {
    // Two replicas starting together record the same values: DO NOTHING.
    absl::StatusOr<PgResult> put = conn_->Run(
        "INSERT INTO authnet_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        {PgParam::Text(key), PgParam::Bytes(want)});
    if (!put.ok()) {
      return Precondition(Describe(), put.status().message());
    }
    absl::StatusOr<std::optional<std::string>> have = GetMeta(key);
    if (!have.ok()) {
      return Precondition(Describe(), have.status().message());
    }
    if (!have->has_value() || **have != want) {
      return Precondition(Describe(),
                          absl::StrCat("the database belongs to ", key, " '", have->value_or(""),
                                       "' but the bundle is for ", key, " '", want,
                                       "'; use that member's bundle or another database"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> PgLogStore::GetMeta(const std::string& key) {
  if (absl::Status st = Ready(); !st.ok()) {
    return st;
  }
  return ReadMeta(*conn_, key);
}

absl::Status PgLogStore::PutMeta(const std::string& key, const std::string& value) {
  if (absl::Status st = Ready(); !st.ok()) {
    return st;
  }
  return conn_
      ->Run(
          "INSERT INTO authnet_meta (key, value) VALUES ($1, $2) "
          "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
          {PgParam::Text(key), PgParam::Bytes(value)})
      .status();
}

absl::Status PgLogStore::Probe() { return PutMeta("write_probe", std::string(64, '\0')); }

absl::Status PgLogStore::ForEachBatch(const std::function<absl::Status(const StoredBatch&)>& fn) {
  if (absl::Status st = Ready(); !st.ok()) {
    return st;
  }
  StoredBatch b;
  return conn_->Stream(
      "SELECT origin, first_seq, last_seq, body, signature FROM authnet_batches "
      "ORDER BY origin, first_seq",
      [&](const PgResult& r) {
        b.origin = r.Bytes(0, 0);
        b.first_seq = static_cast<uint64_t>(r.Int(0, 1));
        b.last_seq = static_cast<uint64_t>(r.Int(0, 2));
        b.batch.set_body(r.Bytes(0, 3));
        b.batch.set_signature(r.Bytes(0, 4));
        return fn(b);
      });
}

// Txn: BEGIN, the member's write lock, and NOTIFY with the COMMIT.
class PgLogStore::Txn : public WriteTxn {
 public:
  explicit Txn(PgConn& conn) : conn_(conn) {}
  ~Txn() override {
    if (open_ && conn_.Healthy()) {
      (void)conn_.Exec("ROLLBACK");
    }
  }
  [[nodiscard]] absl::Status Start() {
    if (absl::Status st = conn_.Exec("BEGIN"); !st.ok()) {
      return st;
    }
    open_ = true;
    return conn_.Run("SELECT pg_advisory_xact_lock($1)", {PgParam::Int(kWriteLock)}).status();
  }

  absl::StatusOr<uint64_t> LastSeq(const std::string& origin) override {
    absl::StatusOr<PgResult> r =
        conn_.Run("SELECT last_seq FROM authnet_heads WHERE origin = $1", {PgParam::Text(origin)});
    if (!r.ok()) {
      return r.status();
    }
    return r->Rows() == 0 ? 0 : static_cast<uint64_t>(r->Int(0, 0));
  }

  absl::StatusOr<std::optional<v1::Record>> FindRecord(const std::string& origin,
                                                       uint64_t seq) override {
    absl::StatusOr<PgResult> r = conn_.Run(
        "SELECT body FROM authnet_batches WHERE origin = $1 AND first_seq <= $2 AND "
        "last_seq >= $2 ORDER BY first_seq DESC LIMIT 1",
        {PgParam::Text(origin), PgParam::Int(static_cast<int64_t>(seq))});
    if (!r.ok()) {
      return r.status();
    }
    if (r->Rows() == 0) {
      return std::nullopt;
    }
    absl::StatusOr<v1::Record> record = RecordInStoredBatch(origin, seq, r->Bytes(0, 0));
    if (!record.ok()) {
      return record.status();
    }
    return std::optional<v1::Record>(*std::move(record));
  }

  absl::StatusOr<std::optional<v1::SignedBatch>> FindBatch(const std::string& origin,
                                                           uint64_t first_seq) override {
    absl::StatusOr<PgResult> r = conn_.Run(
        "SELECT body, signature FROM authnet_batches WHERE origin = $1 AND first_seq = $2",
        {PgParam::Text(origin), PgParam::Int(static_cast<int64_t>(first_seq))});
    if (!r.ok()) {
      return r.status();
    }
    if (r->Rows() == 0) {
      return std::nullopt;
    }
    v1::SignedBatch batch;
    batch.set_body(r->Bytes(0, 0));
    batch.set_signature(r->Bytes(0, 1));
    return batch;
  }

  absl::StatusOr<std::optional<IdempotencyEntry>> FindIdempotency(
      const std::string& key_hash) override {
    absl::StatusOr<PgResult> r = conn_.Run(
        "SELECT request_hash, first_seq, count, day FROM authnet_idempotency WHERE key_hash = $1",
        {PgParam::Bytes(key_hash)});
    if (!r.ok()) {
      return r.status();
    }
    if (r->Rows() == 0) {
      return std::nullopt;
    }
    return IdempotencyEntry{key_hash, r->Bytes(0, 0), static_cast<uint64_t>(r->Int(0, 1)),
                            static_cast<uint32_t>(r->Int(0, 2)),
                            static_cast<uint32_t>(r->Int(0, 3))};
  }

  absl::Status Put(const std::vector<StoredBatch>& batches,
                   const std::vector<IdempotencyEntry>& entries) override {
    if (!batches.empty()) {
      if (absl::Status st = PutBatches(batches); !st.ok()) {
        return st;
      }
    }
    if (entries.empty()) {
      return absl::OkStatus();
    }
    std::vector<std::string> keys, requests, firsts, counts, days;
    for (const IdempotencyEntry& e : entries) {
      keys.push_back(e.key_hash);
      requests.push_back(e.request_hash);
      firsts.push_back(std::to_string(e.first_seq));
      counts.push_back(std::to_string(e.count));
      days.push_back(std::to_string(e.day));
    }
    return conn_
        .Run(
            "INSERT INTO authnet_idempotency (key_hash, request_hash, first_seq, count, day) "
            "SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bigint[], $4::int[], $5::int[])",
            {PgParam::Text(PgArray(keys, true)), PgParam::Text(PgArray(requests, true)),
             PgParam::Text(PgArray(firsts, false)), PgParam::Text(PgArray(counts, false)),
             PgParam::Text(PgArray(days, false))})
        .status();
  }

  absl::Status Commit() override {
    absl::Status st = conn_.Exec(absl::StrCat("NOTIFY ", kChannel, "; COMMIT"));
    open_ = false;
    if (!st.ok()) {
      return absl::UnavailableError(
          absl::StrCat("commit failed or its outcome is unknown: ", st.message()));
    }
    return st;
  }

 private:
  // PutBatches inserts the batches and raises authnet_heads in one statement.
  absl::Status PutBatches(const std::vector<StoredBatch>& batches) {
    std::vector<std::string> origins, firsts, lasts, bodies, signatures;
    for (const StoredBatch& b : batches) {
      origins.push_back(b.origin);
      firsts.push_back(std::to_string(b.first_seq));
      lasts.push_back(std::to_string(b.last_seq));
      bodies.push_back(b.batch.body());
      signatures.push_back(b.batch.signature());
    }
    return conn_
        .Run(
            "WITH b AS (INSERT INTO authnet_batches (origin, first_seq, last_seq, body, "
            "signature) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], "
            "$4::bytea[], $5::bytea[]) RETURNING origin, last_seq) "
            "INSERT INTO authnet_heads (origin, last_seq) SELECT origin, MAX(last_seq) FROM b "
            "GROUP BY origin ON CONFLICT (origin) DO UPDATE SET last_seq = "
            "GREATEST(authnet_heads.last_seq, EXCLUDED.last_seq)",
            {PgParam::Text(PgArray(origins, false)), PgParam::Text(PgArray(firsts, false)),
             PgParam::Text(PgArray(lasts, false)), PgParam::Text(PgArray(bodies, true)),
             PgParam::Text(PgArray(signatures, true))})
        .status();
  }

  PgConn& conn_;
  bool open_ = false;
};

absl::StatusOr<std::unique_ptr<WriteTxn>> PgLogStore::Begin() {
  if (absl::Status st = Ready(); !st.ok()) {
    return st;
  }
  auto txn = std::make_unique<Txn>(*conn_);
  if (absl::Status st = txn->Start(); !st.ok()) {
    return st;
  }
  return std::unique_ptr<WriteTxn>(std::move(txn));
}

namespace {

// PgReader reads on a connection of its own that LISTENs for commits.
class PgReader : public BatchReader {
 public:
  explicit PgReader(std::unique_ptr<PgConn> conn) : conn_(std::move(conn)) {}

  [[nodiscard]] absl::Status Ready() {
    if (!conn_->Healthy() || !listening_) {
      if (!conn_->Healthy()) {
        if (absl::Status st = conn_->Reconnect(); !st.ok()) {
          return st;
        }
      }
      if (absl::Status st = conn_->Exec(absl::StrCat("LISTEN ", kChannel)); !st.ok()) {
        return st;
      }
      listening_ = true;
    }
    return absl::OkStatus();
  }

  absl::Status ReadBeyond(const std::string& origin, uint64_t after, uint32_t max_batches,
                          const std::function<bool(StoredBatch&&)>& fn) override {
    if (absl::Status st = Ready(); !st.ok()) {
      return st;
    }
    absl::StatusOr<PgResult> r = conn_->Run(
        "SELECT first_seq, last_seq, body, signature FROM authnet_batches WHERE origin = $1 "
        "AND last_seq > $2 ORDER BY first_seq LIMIT $3",
        {PgParam::Text(origin), PgParam::Int(static_cast<int64_t>(after)),
         PgParam::Int(max_batches)});
    if (!r.ok()) {
      return r.status();
    }
    for (int i = 0; i < r->Rows(); ++i) {
      StoredBatch b{
          origin, static_cast<uint64_t>(r->Int(i, 0)), static_cast<uint64_t>(r->Int(i, 1)), {}};
      b.batch.set_body(r->Bytes(i, 2));
      b.batch.set_signature(r->Bytes(i, 3));
      if (!fn(std::move(b))) {
        break;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> GetMeta(const std::string& key) override {
    if (absl::Status st = Ready(); !st.ok()) {
      return st;
    }
    return ReadMeta(*conn_, key);
  }

  absl::StatusOr<std::map<std::string, uint64_t>> Heads() override {
    if (absl::Status st = Ready(); !st.ok()) {
      return st;
    }
    absl::StatusOr<PgResult> r = conn_->Run("SELECT origin, last_seq FROM authnet_heads");
    if (!r.ok()) {
      return r.status();
    }
    std::map<std::string, uint64_t> heads;
    for (int i = 0; i < r->Rows(); ++i) {
      heads[r->Bytes(i, 0)] = static_cast<uint64_t>(r->Int(i, 1));
    }
    return heads;
  }

  absl::StatusOr<bool> WaitForCommit(absl::Duration timeout) override {
    if (absl::Status st = Ready(); !st.ok()) {
      absl::SleepFor(timeout);  // no server to wait on: try again later
      return st;
    }
    absl::StatusOr<int> pending = conn_->ConsumeNotifies();
    if (!pending.ok() || *pending > 0) {
      return pending.ok() ? absl::StatusOr<bool>(true) : pending.status();
    }
    pollfd p{conn_->Socket(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) {
      return false;
    }
    pending = conn_->ConsumeNotifies();
    if (!pending.ok()) {
      return pending.status();
    }
    return *pending > 0;
  }

 private:
  std::unique_ptr<PgConn> conn_;
  bool listening_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BatchReader>> PgLogStore::OpenReader() {
  absl::StatusOr<std::unique_ptr<PgConn>> conn =
      PgConn::Connect(where_.url, absl::StrCat(where_.replica, "/reader"));
  if (!conn.ok()) {
    return conn.status();
  }
  auto reader = std::make_unique<PgReader>(*std::move(conn));
  if (absl::Status st = reader->Ready(); !st.ok()) {
    return st;
  }
  return std::unique_ptr<BatchReader>(std::move(reader));
}

}  // namespace authnet
