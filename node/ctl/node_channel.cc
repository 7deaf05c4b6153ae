#include "node/ctl/node_channel.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "node/bundle/secure_file.h"

namespace authnet {
namespace {

// IsLocal: a unix socket, localhost, 127.0.0.0/8 or [::1].
bool IsLocal(const std::string& address) {
  if (address.rfind("unix:", 0) == 0) {
    return true;
  }
  std::string host = address.substr(0, address.rfind(':'));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  in_addr v4{};
  in6_addr v6{};
  return host == "localhost" ||
         (inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) ||
         (inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6));
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> DialNode(const ParsedFlags& flags) {
  std::optional<std::string> node = flags.Get("node");
  if (!node || node->empty()) {
    return absl::InvalidArgumentError("--node is required");
  }
  std::string token;
  if (auto file = flags.Get("token-file")) {
    absl::StatusOr<std::string> text = ReadFile(*file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--token-file: cannot read ", *file, ": ", text.status().message()));
    }
    token = std::string(absl::StripAsciiWhitespace(*text));
  } else if (const char* env = std::getenv("AUTHNET_TOKEN"); env != nullptr) {
    token = std::string(absl::StripAsciiWhitespace(env));
  }
  std::optional<std::string> ca = flags.Get("ca");
  if (IsLocal(*node) && !ca) {
    if (!token.empty() && flags.Get("token-file")) {
      return absl::InvalidArgumentError(
          "--token-file: a token is only sent over TLS; give --ca for a TLS api listener");
    }
    return grpc::CreateChannel(*node, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions tls;
  if (ca) {
    absl::StatusOr<std::string> roots = ReadFile(*ca);
    if (!roots.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--ca: cannot read ", *ca, ": ", roots.status().message()));
    }
    tls.pem_root_certs = *roots;
  }
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::SslCredentials(tls);
  if (!token.empty()) {
    creds = grpc::CompositeChannelCredentials(creds, grpc::AccessTokenCredentials(token));
  }
  grpc::ChannelArguments args;
  if (auto name = flags.Get("server-name")) {
    args.SetSslTargetNameOverride(*name);
  }
  return grpc::CreateCustomChannel(*node, creds, args);
}

}  // namespace authnet
