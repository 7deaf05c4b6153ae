#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/core/file_stamp.h"

namespace authnet {

// kApiTokensFile is the token file's name inside a node's data directory.
inline constexpr char kApiTokensFile[] = "api-tokens";

// ApiRole is what a bearer token may call on a remote api listener.
enum class ApiRole {
  kCheckout,  // CheckoutService: Check, CheckBatch, Report, Retract
  kAdmin,     // everything, AdminService included
};

// ApiToken is one entry of a node's token file. The token itself is never
// stored: only its SHA-256.
struct ApiToken {
  std::string name;  // [a-z0-9][a-z0-9-]{2,31}, unique
  ApiRole role = ApiRole::kCheckout;
  std::string sha256;  // 32 bytes
};

// ApiTokenFile reads and writes DATA_DIR/api-tokens, one token per line:
//   NAME ROLE SHA256-HEX      (ROLE: checkout or admin; '#' starts a comment)
// Written atomically with mode 0600 by `authnetctl token`; read by authnetd,
// which picks up changes without a restart. Not thread-safe.
class ApiTokenFile {
 public:
  // Read returns the tokens of `data_dir` (none if the file is missing).
  // FAILED_PRECONDITION naming the line for a malformed file or one readable
  // by others than the owner.
  [[nodiscard]] static absl::StatusOr<std::vector<ApiToken>> Read(
      const std::filesystem::path& data_dir);
  // Parse reads tokens in the file's format from `text`; errors name
  // `where` and the line.
  [[nodiscard]] static absl::StatusOr<std::vector<ApiToken>> Parse(absl::string_view text,
                                                                   absl::string_view where);
  // Format renders `tokens` in the file's format.
  static std::string Format(const std::vector<ApiToken>& tokens);
  // Write replaces the file with `tokens`.
  [[nodiscard]] static absl::Status Write(const std::filesystem::path& data_dir,
                                          const std::vector<ApiToken>& tokens);
  // NewToken returns a fresh random bearer token ("anet_" + 64 hex digits).
  [[nodiscard]] static absl::StatusOr<std::string> NewToken();
  // Hash returns the 32-byte SHA-256 a token is stored and looked up by.
  static std::string Hash(absl::string_view token);
};

absl::string_view ApiRoleName(ApiRole role);

// kApiTokensMetaKey is where a shared store (PostgreSQL, a member's
// replicas) keeps the tokens, in the file's format, in its meta table.
inline constexpr char kApiTokensMetaKey[] = "api_tokens";

// ApiTokenSource is where a node reads its api tokens from: the data dir's
// file, or a store its replicas share. One thread uses it.
class ApiTokenSource {
 public:
  virtual ~ApiTokenSource() = default;
  // Where names the source in log lines.
  virtual std::string Where() const = 0;
  // ReadIfChanged returns the tokens when they may have changed since the
  // last call (always on the first), nullopt when they have not.
  [[nodiscard]] virtual absl::StatusOr<std::optional<std::vector<ApiToken>>> ReadIfChanged() = 0;
};

// FileTokenSource reads DATA_DIR/api-tokens, again only when its size or
// modification time changed.
class FileTokenSource : public ApiTokenSource {
 public:
  explicit FileTokenSource(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {}
  std::string Where() const override { return (data_dir_ / kApiTokensFile).string(); }
  absl::StatusOr<std::optional<std::vector<ApiToken>>> ReadIfChanged() override;

 private:
  const std::filesystem::path data_dir_;
  std::optional<FileStamp> seen_;
};

}  // namespace authnet
