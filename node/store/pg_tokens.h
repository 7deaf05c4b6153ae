#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/bundle/api_tokens.h"
#include "node/store/pg_conn.h"

namespace authnet {

// PgTokenSource reads the api tokens a PostgreSQL store keeps for a member's
// replicas (meta key kApiTokensMetaKey, in the token file's format) on a
// connection of its own. Unreachable is UNAVAILABLE (TokenAuthenticator then
// keeps the tokens it holds).
class PgTokenSource : public ApiTokenSource {
 public:
  PgTokenSource(std::string url, std::string application_name)
      : url_(std::move(url)), app_(std::move(application_name)) {}
  std::string Where() const override;
  absl::StatusOr<std::optional<std::vector<ApiToken>>> ReadIfChanged() override;

 private:
  const std::string url_;
  const std::string app_;
  std::unique_ptr<PgConn> conn_;
  std::optional<std::string> seen_;  // the text last parsed
};

// UpdatePgTokens runs `change` on the tokens the store at `url` keeps and
// stores the result, in one transaction that holds them locked against
// another admin doing the same. FAILED_PRECONDITION if the database has no
// authnet schema yet (start authnetd on it first).
[[nodiscard]] absl::Status UpdatePgTokens(
    const std::string& url, const std::function<absl::Status(std::vector<ApiToken>&)>& change);

// ReadPgTokens returns the tokens the store at `url` keeps.
[[nodiscard]] absl::StatusOr<std::vector<ApiToken>> ReadPgTokens(const std::string& url);

}  // namespace authnet
