#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet {

// PgParam is one statement parameter: text (numbers too) or binary (bytea).
struct PgParam {
  std::string value;
  bool binary = false;

  static PgParam Text(std::string v) { return {std::move(v), false}; }
  static PgParam Int(int64_t v) { return {std::to_string(v), false}; }
  static PgParam Bytes(std::string v) { return {std::move(v), true}; }
};

// PgResult is a query's rows, in binary format: Int reads int4/int8
// columns, Bytes text and bytea ones.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  int Rows() const { return PQntuples(r_.get()); }
  int64_t Int(int row, int col) const;
  std::string Bytes(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col), PQgetlength(r_.get(), row, col));
  }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> r_;
};

// PgConn is one libpq connection to the store's database. Run prepares each
// statement once per connection. Errors: the server unreachable, the
// connection lost, a read-only server (a standby after failover) and
// serialization failures are UNAVAILABLE (retry once a primary answers);
// everything else INTERNAL. After an UNAVAILABLE error, Reconnect before
// the next use. Not thread-safe: one thread uses a connection.
class PgConn {
 public:
  // Connect opens a connection with `url` (any libpq connection string or
  // URI; multi-host with target_session_attrs=read-write finds the
  // primary), naming itself `application_name`. Without a connect_timeout
  // in `url`, 5 s.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PgConn>> Connect(
      const std::string& url, const std::string& application_name);

  // Exec runs `sql` (one or more statements, no parameters, no rows).
  [[nodiscard]] absl::Status Exec(const std::string& sql);
  // Run runs one statement with `params` and returns its rows.
  [[nodiscard]] absl::StatusOr<PgResult> Run(const std::string& sql,
                                             const std::vector<PgParam>& params = {});
  // Stream runs one query and calls `row` for each row as it arrives
  // (libpq's single-row mode), so a large table is never held at once.
  [[nodiscard]] absl::Status Stream(const std::string& sql,
                                    const std::function<absl::Status(const PgResult&)>& row);

  // Healthy: the connection is open and no statement left it in doubt.
  bool Healthy() const { return PQstatus(conn_.get()) == CONNECTION_OK && !broken_; }
  // Reconnect opens the connection again (trying every host in the URL).
  [[nodiscard]] absl::Status Reconnect();

  // Socket and ConsumeNotifies serve LISTEN: the descriptor to poll, and
  // how many notifications arrived since the last call (-1 and UNAVAILABLE
  // when the connection is lost).
  int Socket() const { return PQsocket(conn_.get()); }
  [[nodiscard]] absl::StatusOr<int> ConsumeNotifies();

  // Describe is the host, port and database connected to (no password).
  std::string Describe() const;

 private:
  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  PgConn(std::string url, std::string app, PGconn* c)
      : url_(std::move(url)), app_(std::move(app)), conn_(c) {}
  static PGconn* Open(const std::string& url, const std::string& app);
  absl::Status ResultError(PGresult* r, absl::string_view what);

  const std::string url_;
  const std::string app_;
  std::unique_ptr<PGconn, Finish> conn_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // sql -> statement name
  bool broken_ = false;
};

// PgArray renders `items` as a PostgreSQL array literal for a text-format
// parameter: bytea elements as hex when `bytea`, else text, each quoted.
std::string PgArray(const std::vector<std::string>& items, bool bytea);

}  // namespace authnet
