#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace authnet::bench {

// PgScratch is a fresh, empty database the benchmark creates on the
// PostgreSQL server `server_url` names (any libpq connection string; the
// user needs CREATEDB) and drops when it goes away: each measurement starts
// from an empty store, as a new member would.
class PgScratch {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PgScratch>> Create(
      const std::string& server_url);
  ~PgScratch();

  // url is the connection string of the scratch database.
  const std::string& url() const { return url_; }

 private:
  PgScratch(std::string server_url, std::string name, std::string url)
      : server_url_(std::move(server_url)), name_(std::move(name)), url_(std::move(url)) {}
  std::string server_url_;
  std::string name_;
  std::string url_;
};

// WithDatabase returns `url` (any libpq connection string or URI) with its
// database replaced by `dbname`, as keyword=value pairs.
[[nodiscard]] absl::StatusOr<std::string> WithDatabase(const std::string& url,
                                                       const std::string& dbname);

}  // namespace authnet::bench
