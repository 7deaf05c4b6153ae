#include "node/store/log_store.h"

#include <libpq-fe.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "node/store/pg_log_store.h"
#include "node/store/sqlite_log_store.h"

namespace authnet {
namespace {

// Scrub drops every quoted part of a libpq message: it may quote the
// connection string, password included.
std::string Scrub(const char* msg) {
  std::string out;
  bool quoted = false;
  for (const char* p = msg; p != nullptr && *p != '\0'; ++p) {
    if (*p == '"') {
      out += quoted ? "\"" : "\"…";
      quoted = !quoted;
    } else if (*p == '\n') {
      out += ' ';
    } else if (!quoted) {
      out += *p;
    }
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

}  // namespace

absl::Status CheckStoreUrl(const std::string& url) {
  if (url.empty()) {
    return absl::OkStatus();
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? Scrub(error) : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat(
        "--store: not a PostgreSQL connection string (", why,
        "); give postgresql://USER@HOST:PORT/DB or 'host=... dbname=...', or leave it out for "
        "SQLite under --data"));
  }
  PQconninfoFree(options);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<LogStore>> LogStore::Open(const StoreLocation& where,
                                                         const std::string& network,
                                                         const std::string& member_id) {
  if (!where.IsPostgres()) {
    return SqliteLogStore::Open(where.data_dir, network, member_id);
  }
  if (absl::Status st = CheckStoreUrl(where.url); !st.ok()) {
    return st;
  }
  StoreLocation named = where;
  if (named.replica.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    named.replica = host;
  }
  return PgLogStore::Open(named, network, member_id);
}

absl::Status LogStore::Commit(const std::vector<StoredBatch>& batches,
                              const std::vector<IdempotencyEntry>& entries) {
  absl::StatusOr<std::unique_ptr<WriteTxn>> txn = Begin();
  if (!txn.ok()) {
    return txn.status();
  }
  if (absl::Status st = (*txn)->Put(batches, entries); !st.ok()) {
    return st;
  }
  return (*txn)->Commit();
}

absl::StatusOr<uint64_t> LogStore::LastSeq(const std::string& origin) {
  absl::StatusOr<std::unique_ptr<WriteTxn>> txn = Begin();
  if (!txn.ok()) {
    return txn.status();
  }
  return (*txn)->LastSeq(origin);
}

}  // namespace authnet
