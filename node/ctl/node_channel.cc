#include "node/ctl/node_channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <chrono>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "node/bundle/secure_file.h"
#include "node/core/listen_address.h"

namespace authnet {
namespace {

constexpr auto kProbeTimeout = std::chrono::seconds(2);

// Dial is DialNode with the caller's channel arguments.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Dial(const ParsedFlags& flags,
                                                    grpc::ChannelArguments args) {
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
    return grpc::CreateCustomChannel(*node, grpc::InsecureChannelCredentials(), args);
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
  if (auto name = flags.Get("server-name")) {
    args.SetSslTargetNameOverride(*name);
  }
  return grpc::CreateCustomChannel(*node, creds, args);
}

// DialsTls says whether DialNode speaks TLS to the node `flags` name.
bool DialsTls(const ParsedFlags& flags) {
  absl::StatusOr<ListenAddress> address = ParseListenAddress("--node", *flags.Get("node"));
  return !(address.ok() && address->IsLoopback()) || flags.Get("ca").has_value();
}

// Connects says whether `channel` reaches READY within the probe timeout; a
// refused or failed attempt is an answer at once, not a wait.
bool Connects(const std::shared_ptr<grpc::Channel>& channel) {
  auto deadline = std::chrono::system_clock::now() + kProbeTimeout;
  grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN ||
        !channel->WaitForStateChange(state, deadline)) {
      return false;
    }
    state = channel->GetState(/*try_to_connect=*/false);
  }
  return true;
}

// Probe is a channel to `node` of its own, not sharing a connection (or a
// failed one's backoff) with the call that failed.
std::shared_ptr<grpc::Channel> Probe(const std::string& node,
                                     const std::shared_ptr<grpc::ChannelCredentials>& creds) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(node, creds, args);
}

// ServesTls: a TLS handshake that verifies nothing completes with `node`.
bool ServesTls(const std::string& node) {
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_verify_server_certs(false);
  tls.set_check_call_host(false);
  tls.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  return Connects(Probe(node, grpc::experimental::TlsCredentials(tls)));
}

bool ServesPlainText(const std::string& node) {
  return Connects(Probe(node, grpc::InsecureChannelCredentials()));
}

// ExplainUnreachable says why `flags`' node did not answer, probing it;
// when it turns out to be reachable as dialed, `st` was the node's own answer.
std::string ExplainUnreachable(const ParsedFlags& flags, const grpc::Status& st) {
  const std::string node = *flags.Get("node");
  const std::string unreachable =
      absl::StrCat(st.error_message(), " (is authnetd running with --api-listen ", node, "?)");
  if (!DialsTls(flags)) {
    // (The TLS probe goes first: a plain-text connection to a TLS listener
    // may look established for a moment.)
    if (ServesTls(node)) {
      return absl::StrCat(node,
                          " serves TLS: pass --ca FILE, the CA certificate that signed its api "
                          "certificate, and a token (--token-file FILE or $AUTHNET_TOKEN)");
    }
    return ServesPlainText(node) ? st.error_message() : unreachable;
  }
  grpc::ChannelArguments own_pool;
  own_pool.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (absl::StatusOr<std::shared_ptr<grpc::Channel>> dialed = Dial(flags, own_pool);
      dialed.ok() && Connects(*dialed)) {
    return st.error_message();
  }
  if (ServesTls(node)) {
    const std::optional<std::string> ca = flags.Get("ca");
    return absl::StrCat(
        "the TLS certificate ", node, " serves is not trusted: it is not signed by ",
        ca ? absl::StrCat("the CA in --ca ", *ca) : std::string("a CA of the system's roots"),
        ", or it does not name the host dialed; check --ca, or pass --server-name NAME with a "
        "name the certificate carries");
  }
  if (ServesPlainText(node)) {
    return absl::StrCat(node,
                        " serves plain text, not TLS (a local api listener): drop --ca and "
                        "--token-file, or run the node with --api-require-tls");
  }
  return unreachable;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> DialNode(const ParsedFlags& flags) {
  return Dial(flags, grpc::ChannelArguments());
}

std::string DescribeCallFailure(const ParsedFlags& flags, const grpc::Status& st) {
  if (st.error_code() != grpc::StatusCode::UNAVAILABLE &&
      st.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return st.error_message();
  }
  if (!flags.Get("node")) {
    return st.error_message();
  }
  return ExplainUnreachable(flags, st);
}

}  // namespace authnet
