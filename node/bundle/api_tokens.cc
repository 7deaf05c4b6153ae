#include "node/bundle/api_tokens.h"

#include <openssl/rand.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "node/bundle/secure_file.h"
#include "node/core/hex.h"
#include "node/core/member_id.h"
#include "node/crypto/openssl_util.h"

namespace authnet {

absl::string_view ApiRoleName(ApiRole role) {
  return role == ApiRole::kAdmin ? "admin" : "checkout";
}

absl::StatusOr<std::vector<ApiToken>> ApiTokenFile::Read(const std::filesystem::path& data_dir) {
  const std::filesystem::path path = data_dir / kApiTokensFile;
  absl::StatusOr<std::string> text = ReadFile(path);
  if (absl::IsNotFound(text.status())) {
    return std::vector<ApiToken>();
  }
  if (!text.ok()) {
    return text.status();
  }
  if (absl::Status st = CheckSecretFileMode(path); !st.ok()) {
    return st;
  }
  return Parse(*text, path.string());
}

absl::StatusOr<std::vector<ApiToken>> ApiTokenFile::Parse(absl::string_view text,
                                                          absl::string_view where) {
  std::vector<ApiToken> tokens;
  std::set<std::string> names;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    auto broken = [&](absl::string_view why) {
      return absl::FailedPreconditionError(
          absl::StrCat(where, ":", line_no, ": ", why,
                       "; fix or remove the line (manage tokens with `authnetctl token`)"));
    };
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() != 3) {
      return broken("expected NAME ROLE SHA256-HEX");
    }
    ApiToken token;
    token.name = std::string(fields[0]);
    if (!IsValidMemberId(token.name) || !names.insert(token.name).second) {
      return broken(absl::StrCat("token name '", token.name, "' is malformed or repeated"));
    }
    if (fields[1] == "admin") {
      token.role = ApiRole::kAdmin;
    } else if (fields[1] != "checkout") {
      return broken("role must be checkout or admin");
    }
    std::optional<std::vector<uint8_t>> hash = HexDecode(fields[2]);
    if (!hash || hash->size() != 32) {
      return broken("the hash must be 64 hex digits");
    }
    token.sha256.assign(hash->begin(), hash->end());
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::string ApiTokenFile::Format(const std::vector<ApiToken>& tokens) {
  std::string text =
      "# authnet api bearer tokens: NAME ROLE SHA256-HEX. Managed by `authnetctl token`;\n"
      "# authnetd picks up changes without a restart. Tokens themselves are never stored.\n";
  for (const ApiToken& t : tokens) {
    absl::StrAppend(&text, t.name, " ", ApiRoleName(t.role), " ", HexEncode(t.sha256), "\n");
  }
  return text;
}

absl::Status ApiTokenFile::Write(const std::filesystem::path& data_dir,
                                 const std::vector<ApiToken>& tokens) {
  return WriteFileAtomically(data_dir / kApiTokensFile, Format(tokens), kSecretFileMode);
}

absl::StatusOr<std::string> ApiTokenFile::NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("cannot draw random bytes for a token (OpenSSL RAND_bytes failed)");
  }
  return absl::StrCat("anet_",
                      HexEncode(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes))));
}

std::string ApiTokenFile::Hash(absl::string_view token) { return crypto::Sha256(token); }

absl::StatusOr<std::optional<std::vector<ApiToken>>> FileTokenSource::ReadIfChanged() {
  FileStamp stamp = FileStamp::Of(data_dir_ / kApiTokensFile);  // no file: no tokens
  if (seen_ && stamp == *seen_) {
    return std::nullopt;
  }
  seen_ = stamp;
  absl::StatusOr<std::vector<ApiToken>> tokens = ApiTokenFile::Read(data_dir_);
  if (!tokens.ok()) {
    return tokens.status();
  }
  return std::optional<std::vector<ApiToken>>(*std::move(tokens));
}

}  // namespace authnet
