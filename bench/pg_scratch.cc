#include "bench/pg_scratch.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "node/store/pg_conn.h"

namespace authnet::bench {

absl::StatusOr<std::string> WithDatabase(const std::string& url, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return absl::InvalidArgumentError("--store: not a PostgreSQL connection string");
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") {
      continue;
    }
    std::string quoted;
    for (const char* c = o->val; *c != '\0'; ++c) {
      if (*c == '\'' || *c == '\\') {
        quoted += '\\';
      }
      quoted += *c;
    }
    absl::StrAppend(&out, o->keyword, "='", quoted, "' ");
  }
  PQconninfoFree(options);
  absl::StrAppend(&out, "dbname=", dbname);
  return out;
}

absl::StatusOr<std::unique_ptr<PgScratch>> PgScratch::Create(const std::string& server_url) {
  static std::atomic<int> counter{0};
  std::string name = absl::StrCat("authnet_bench_", getpid(), "_", ++counter);
  absl::StatusOr<std::unique_ptr<PgConn>> conn = PgConn::Connect(server_url, "authnet-bench");
  if (!conn.ok()) {
    return conn.status();
  }
  if (absl::Status st = (*conn)->Exec(absl::StrCat("CREATE DATABASE ", name)); !st.ok()) {
    return absl::Status(st.code(), absl::StrCat("creating a scratch database: ", st.message()));
  }
  absl::StatusOr<std::string> url = WithDatabase(server_url, name);
  if (!url.ok()) {
    return url.status();
  }
  return std::unique_ptr<PgScratch>(new PgScratch(server_url, name, *std::move(url)));
}

PgScratch::~PgScratch() {
  absl::StatusOr<std::unique_ptr<PgConn>> conn = PgConn::Connect(server_url_, "authnet-bench");
  if (conn.ok()) {
    (void)(*conn)->Exec(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
  }
}

}  // namespace authnet::bench
