#include "node/ctl/token_commands.h"

#include <cstdio>
#include <set>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/bundle/api_tokens.h"
#include "node/bundle/directory_lock.h"
#include "node/bundle/secure_file.h"
#include "node/core/flag_parser.h"
#include "node/core/json.h"
#include "node/core/member_id.h"
#include "node/store/log_store.h"
#include "node/store/pg_tokens.h"

namespace authnet {
namespace {

int Usage(absl::string_view command, absl::string_view what) {
  std::fprintf(stderr, "authnetctl token %s: %s\n", std::string(command).c_str(),
               std::string(what).c_str());
  return 2;
}

int Failure(absl::string_view command, const absl::Status& why) {
  std::fprintf(stderr, "authnetctl token %s: %s\n", std::string(command).c_str(),
               std::string(why.message()).c_str());
  return 1;
}

// Parsed is a token command's name (if it takes one) and where the tokens
// live: a data directory's file, or a store a member's replicas share.
struct Parsed {
  std::string name;
  std::string data;
  std::string store;
  ParsedFlags flags;

  std::string Where() const {
    return store.empty() ? absl::StrCat(data, "/", kApiTokensFile) : "the store's api_tokens";
  }
};

// Parse returns the command line, or the exit status of a usage error.
std::variant<Parsed, int> Parse(absl::string_view command, const std::vector<std::string>& args,
                                bool takes_name, const std::set<std::string>& switches) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"data", "store"}, switches, takes_name ? 1 : 0);
  if (!flags.ok()) {
    return Usage(command, flags.status().message());
  }
  Parsed p;
  if (takes_name) {
    if (flags->positional.size() != 1) {
      return Usage(command, absl::StrCat("give the token's name: authnetctl token ", command,
                                         " NAME --data DATA_DIR"));
    }
    p.name = flags->positional[0];
    if (!IsValidMemberId(p.name)) {
      return Usage(command, "NAME: must match [a-z0-9][a-z0-9-]{2,31}");
    }
  }
  p.data = flags->Get("data").value_or("");
  p.store = flags->Get("store").value_or("");
  if (p.data.empty() == p.store.empty()) {
    return Usage(command,
                 "give --data DATA_DIR (the node's data directory) or --store URL (the "
                 "PostgreSQL store a member's replicas share), one of them");
  }
  if (absl::Status st = CheckStoreUrl(p.store); !st.ok()) {
    return Usage(command, st.message());
  }
  p.flags = *std::move(flags);
  return p;
}

// ReadTokens returns the tokens where `p` says they live.
absl::StatusOr<std::vector<ApiToken>> ReadTokens(const Parsed& p) {
  return p.store.empty() ? ApiTokenFile::Read(p.data) : ReadPgTokens(p.store);
}

// UpdateTokens runs `change` on the tokens where `p` says they live and
// stores the result, locked against another authnetctl doing the same.
absl::Status UpdateTokens(const Parsed& p,
                          const std::function<absl::Status(std::vector<ApiToken>&)>& change) {
  if (!p.store.empty()) {
    return UpdatePgTokens(p.store, change);
  }
  // The node refuses a data dir others could write to; so does this.
  if (absl::Status st = CheckPrivateDirectory(p.data); !st.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("--data: data dir ", st.message()));
  }
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(p.data, ".api-tokens.lock");
  if (!lock.ok()) {
    return lock.status();
  }
  absl::StatusOr<std::vector<ApiToken>> tokens = ApiTokenFile::Read(p.data);
  if (!tokens.ok()) {
    return tokens.status();
  }
  if (absl::Status st = change(*tokens); !st.ok()) {
    return st;
  }
  return ApiTokenFile::Write(p.data, *tokens);
}

}  // namespace

int RunTokenCreate(const std::vector<std::string>& args) {
  std::variant<Parsed, int> parsed = Parse("create", args, true, {"admin"});
  if (int* rc = std::get_if<int>(&parsed)) {
    return *rc;
  }
  Parsed& p = std::get<Parsed>(parsed);
  absl::StatusOr<std::string> secret = ApiTokenFile::NewToken();
  if (!secret.ok()) {
    return Failure("create", secret.status());
  }
  ApiRole role = p.flags.Has("admin") ? ApiRole::kAdmin : ApiRole::kCheckout;
  absl::Status st = UpdateTokens(p, [&](std::vector<ApiToken>& tokens) {
    for (const ApiToken& t : tokens) {
      if (t.name == p.name) {
        return absl::AlreadyExistsError(absl::StrCat(
            "a token named \"", p.name, "\" exists; revoke it first or pick another name"));
      }
    }
    tokens.push_back({p.name, role, ApiTokenFile::Hash(*secret)});
    return absl::OkStatus();
  });
  if (!st.ok()) {
    return Failure("create", st);
  }
  // The token on stdout alone, so `> file` captures it; the rest on stderr.
  std::printf("%s\n", secret->c_str());
  std::fprintf(stderr,
               "created %s token \"%s\" in %s; it is shown only now (the node keeps its "
               "hash). Callers send it as \"authorization: Bearer TOKEN\" over TLS.\n",
               std::string(ApiRoleName(role)).c_str(), p.name.c_str(), p.Where().c_str());
  return 0;
}

int RunTokenRevoke(const std::vector<std::string>& args) {
  std::variant<Parsed, int> parsed = Parse("revoke", args, true, {});
  if (int* rc = std::get_if<int>(&parsed)) {
    return *rc;
  }
  Parsed& p = std::get<Parsed>(parsed);
  bool found = true;
  absl::Status st = UpdateTokens(p, [&](std::vector<ApiToken>& tokens) {
    size_t before = tokens.size();
    std::erase_if(tokens, [&](const ApiToken& t) { return t.name == p.name; });
    found = tokens.size() != before;
    return found ? absl::OkStatus() : absl::NotFoundError("no such token");
  });
  if (!found) {
    return Usage("revoke", absl::StrCat("no token named \"", p.name, "\" in ", p.Where()));
  }
  if (!st.ok()) {
    return Failure("revoke", st);
  }
  std::printf("revoked token \"%s\"; the node refuses it within a second\n", p.name.c_str());
  return 0;
}

int RunTokenList(const std::vector<std::string>& args) {
  std::variant<Parsed, int> parsed = Parse("list", args, false, {"json"});
  if (int* rc = std::get_if<int>(&parsed)) {
    return *rc;
  }
  Parsed& p = std::get<Parsed>(parsed);
  absl::StatusOr<std::vector<ApiToken>> tokens = ReadTokens(p);
  if (!tokens.ok()) {
    return Failure("list", tokens.status());
  }
  if (p.flags.Has("json")) {
    std::vector<std::string> items;
    for (const ApiToken& t : *tokens) {
      items.push_back(absl::StrCat("{\"name\": ", JsonQuote(t.name),
                                   ", \"role\": ", JsonQuote(ApiRoleName(t.role)), "}"));
    }
    std::printf("[%s]\n", absl::StrJoin(items, ", ").c_str());
    return 0;
  }
  if (tokens->empty()) {
    std::printf("no api tokens in %s (create one with authnetctl token create)\n",
                p.Where().c_str());
  }
  for (const ApiToken& t : *tokens) {
    std::printf("%-32s %s\n", t.name.c_str(), std::string(ApiRoleName(t.role)).c_str());
  }
  return 0;
}

}  // namespace authnet
