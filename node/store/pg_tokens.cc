#include "node/store/pg_tokens.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

constexpr char kWhere[] = "the store's api_tokens";

absl::Status NoSchema(const absl::Status& st) {
  if (absl::StrContains(st.message(), "authnet_meta")) {
    return absl::FailedPreconditionError(
        "--store: the database holds no authnet node yet; start authnetd with this --store "
        "first");
  }
  return st;
}

}  // namespace

std::string PgTokenSource::Where() const {
  return absl::StrCat(kWhere, " (", conn_ ? conn_->Describe() : "PostgreSQL", ")");
}

absl::StatusOr<std::optional<std::vector<ApiToken>>> PgTokenSource::ReadIfChanged() {
  if (!conn_ || !conn_->Healthy()) {
    absl::StatusOr<std::unique_ptr<PgConn>> conn = PgConn::Connect(url_, app_);
    if (!conn.ok()) {
      return conn.status();
    }
    conn_ = *std::move(conn);
  }
  absl::StatusOr<PgResult> r = conn_->Run("SELECT value FROM authnet_meta WHERE key = $1",
                                          {PgParam::Text(kApiTokensMetaKey)});
  if (!r.ok()) {
    return r.status();
  }
  std::string text = r->Rows() == 0 ? "" : r->Bytes(0, 0);
  if (seen_ == text) {
    return std::nullopt;
  }
  seen_ = text;
  absl::StatusOr<std::vector<ApiToken>> tokens = ApiTokenFile::Parse(text, kWhere);
  if (!tokens.ok()) {
    return tokens.status();
  }
  return std::optional<std::vector<ApiToken>>(*std::move(tokens));
}

absl::Status UpdatePgTokens(const std::string& url,
                            const std::function<absl::Status(std::vector<ApiToken>&)>& change) {
  absl::StatusOr<std::unique_ptr<PgConn>> conn = PgConn::Connect(url, "authnetctl");
  if (!conn.ok()) {
    return conn.status();
  }
  PgConn& c = **conn;
  // The row exists before it is locked, so two admins serialize on it.
  absl::Status st = c.Exec("BEGIN");
  if (st.ok()) {
    st = c.Run(
              "INSERT INTO authnet_meta (key, value) VALUES ($1, ''::bytea) "
              "ON CONFLICT (key) DO NOTHING",
              {PgParam::Text(kApiTokensMetaKey)})
             .status();
  }
  absl::StatusOr<PgResult> held =
      st.ok() ? c.Run("SELECT value FROM authnet_meta WHERE key = $1 FOR UPDATE",
                      {PgParam::Text(kApiTokensMetaKey)})
              : absl::StatusOr<PgResult>(st);
  if (!held.ok()) {
    return NoSchema(held.status());
  }
  absl::StatusOr<std::vector<ApiToken>> tokens =
      ApiTokenFile::Parse(held->Rows() == 0 ? "" : held->Bytes(0, 0), kWhere);
  if (!tokens.ok()) {
    return tokens.status();
  }
  if (st = change(*tokens); !st.ok()) {
    return st;  // the connection closes: rolled back
  }
  st = c.Run("UPDATE authnet_meta SET value = $2 WHERE key = $1",
             {PgParam::Text(kApiTokensMetaKey), PgParam::Bytes(ApiTokenFile::Format(*tokens))})
           .status();
  return st.ok() ? c.Exec("COMMIT") : st;
}

absl::StatusOr<std::vector<ApiToken>> ReadPgTokens(const std::string& url) {
  PgTokenSource source(url, "authnetctl");
  absl::StatusOr<std::optional<std::vector<ApiToken>>> tokens = source.ReadIfChanged();
  if (!tokens.ok()) {
    return NoSchema(tokens.status());
  }
  return tokens->value_or(std::vector<ApiToken>());
}

}  // namespace authnet
