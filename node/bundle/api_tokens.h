#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

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
  std::string name;    // [a-z0-9][a-z0-9-]{2,31}, unique
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
  // Write replaces the file with `tokens`.
  [[nodiscard]] static absl::Status Write(const std::filesystem::path& data_dir,
                                          const std::vector<ApiToken>& tokens);
  // NewToken returns a fresh random bearer token ("anet_" + 64 hex digits).
  [[nodiscard]] static absl::StatusOr<std::string> NewToken();
  // Hash returns the 32-byte SHA-256 a token is stored and looked up by.
  static std::string Hash(absl::string_view token);
};

absl::string_view ApiRoleName(ApiRole role);

}  // namespace authnet
