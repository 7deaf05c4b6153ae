#include "node/store/pg_conn.h"

#include <poll.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace authnet {
namespace {

// libpq's messages end with a newline and may span lines: keep one line.
std::string OneLine(const char* msg) {
  std::string s = msg == nullptr ? "" : msg;
  absl::StripTrailingAsciiWhitespace(&s);
  for (char& c : s) {
    if (c == '\n') {
      c = ' ';
    }
  }
  return s;
}

// Retrying can succeed for these SQLSTATEs: the connection or server went
// away, the server is a standby (failover in progress), resources ran out
// (disk full), or the transaction lost a serialization race.
bool Transient(absl::string_view state) {
  return absl::StartsWith(state, "08") || absl::StartsWith(state, "57P") ||
         absl::StartsWith(state, "53") || state == "25006" || state == "40001" ||
         state == "40P01" || state == "58030";
}

}  // namespace

int64_t PgResult::Int(int row, int col) const {
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col));
  int len = PQgetlength(r_.get(), row, col);
  uint64_t v = 0;
  for (int i = 0; i < len; ++i) {
    v = (v << 8) | p[i];
  }
  if (len == 4) {
    return static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  return static_cast<int64_t>(v);
}

PGconn* PgConn::Open(const std::string& url, const std::string& app) {
  // Defaults first: what the URL says wins (expand_dbname). Keepalives and a
  // TCP user timeout notice a server that vanished behind a partition in
  // seconds rather than the kernel's minutes, so a commit fails UNAVAILABLE
  // instead of hanging.
  std::vector<const char*> keys = {
      "application_name", "connect_timeout",  "keepalives_idle", "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
  std::vector<const char*> values = {app.c_str(), "5",     "5",         "2",
                                     "3",         "10000", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  // NOTICE lines (such as "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return conn;
}

absl::StatusOr<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& url,
                                                        const std::string& application_name) {
  std::unique_ptr<PgConn> c(new PgConn(url, application_name, Open(url, application_name)));
  if (c->conn_ == nullptr || PQstatus(c->conn_.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL: ", OneLine(PQerrorMessage(c->conn_.get()))));
  }
  return c;
}

absl::Status PgConn::Reconnect() {
  conn_.reset(Open(url_, app_));
  prepared_.clear();
  broken_ = false;
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    broken_ = true;
    return absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL: ", OneLine(PQerrorMessage(conn_.get()))));
  }
  return absl::OkStatus();
}

std::string PgConn::Describe() const {
  const char* host = PQhost(conn_.get());
  const char* port = PQport(conn_.get());
  const char* db = PQdb(conn_.get());
  return absl::StrCat("PostgreSQL ", host == nullptr ? "?" : host, ":",
                      port == nullptr ? "?" : port, "/", db == nullptr ? "?" : db);
}

absl::Status PgConn::ResultError(PGresult* r, absl::string_view what) {
  const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
  std::string msg = absl::StrCat(
      what, ": ", OneLine(r == nullptr ? PQerrorMessage(conn_.get()) : PQresultErrorMessage(r)));
  if (state == nullptr || Transient(state) || PQstatus(conn_.get()) != CONNECTION_OK) {
    // No SQLSTATE: libpq lost the connection (or never sent the query).
    broken_ = true;
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

absl::Status PgConn::Exec(const std::string& sql) {
  PGresult* r = PQexec(conn_.get(), sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    absl::Status error = ResultError(r, "postgresql");
    PQclear(r);
    return error;
  }
  PQclear(r);
  return absl::OkStatus();
}

absl::StatusOr<PgResult> PgConn::Run(const std::string& sql, const std::vector<PgParam>& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = absl::StrCat("authnet_", prepared_.size() + 1);
    PGresult* r = PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      absl::Status error = ResultError(r, "postgresql prepare");
      PQclear(r);
      return error;
    }
    PQclear(r);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const PgParam& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  PGresult* r = PQexecPrepared(conn_.get(), it->second.c_str(), static_cast<int>(params.size()),
                               values.data(), lengths.data(), formats.data(), /*binary=*/1);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    absl::Status error = ResultError(r, "postgresql");
    PQclear(r);
    return error;
  }
  return PgResult(r);
}

absl::Status PgConn::Stream(const std::string& sql,
                            const std::function<absl::Status(const PgResult&)>& row) {
  if (PQsendQueryParams(conn_.get(), sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                        /*binary=*/1) == 0 ||
      PQsetSingleRowMode(conn_.get()) == 0) {
    return ResultError(nullptr, "postgresql");
  }
  absl::Status status;
  while (PGresult* r = PQgetResult(conn_.get())) {
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_SINGLE_TUPLE && status.ok()) {
      status = row(PgResult(r));  // takes ownership
      continue;
    }
    if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE && status.ok()) {
      status = ResultError(r, "postgresql");
    }
    PQclear(r);
  }
  return status;
}

absl::StatusOr<int> PgConn::ConsumeNotifies() {
  if (PQconsumeInput(conn_.get()) == 0) {
    return ResultError(nullptr, "postgresql listen");
  }
  int n = 0;
  while (PGnotify* note = PQnotifies(conn_.get())) {
    ++n;
    PQfreemem(note);
  }
  return n;
}

std::string PgArray(const std::vector<std::string>& items, bool bytea) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    out += i == 0 ? "\"" : ",\"";
    if (bytea) {
      out += "\\\\x";
      for (unsigned char c : items[i]) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    } else {
      for (char c : items[i]) {
        if (c == '"' || c == '\\') {
          out += '\\';
        }
        out += c;
      }
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace authnet
