#include "node/ctl/node_channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "node/bundle/secure_file.h"
#include "node/core/listen_address.h"

namespace authnet {

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
  // Anything not recognisably local (other target forms included) is remote.
  absl::StatusOr<ListenAddress> address = ParseListenAddress("--node", *node);
  std::optional<std::string> ca = flags.Get("ca");
  if (address.ok() && address->IsLoopback() && !ca) {
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
