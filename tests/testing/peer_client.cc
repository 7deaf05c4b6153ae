#include "tests/testing/peer_client.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>
#include <iterator>

namespace authnet::testing {

std::shared_ptr<grpc::Channel> PeerChannel(int port, const std::filesystem::path& ca_bundle,
                                           const std::filesystem::path& client_bundle) {
  auto read = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::vector<grpc::experimental::IdentityKeyCertPair> identity;
  if (!client_bundle.empty()) {
    identity.push_back({read(client_bundle / "node.key"), read(client_bundle / "node.crt")});
  }
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      read(ca_bundle / "ca.crt"), identity);
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(provider);
  tls.watch_root_certs();
  if (!client_bundle.empty()) {
    tls.watch_identity_key_cert_pairs();
  }
  tls.set_verify_server_certs(true);
  tls.set_check_call_host(false);
  tls.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                             grpc::experimental::TlsCredentials(tls));
}

grpc::Status CallPeerPort(int port, const std::filesystem::path& ca_bundle,
                          const std::filesystem::path& client_bundle, v1::GetRosterResponse* resp) {
  auto stub = v1::PeerService::NewStub(PeerChannel(port, ca_bundle, client_bundle));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return stub->GetRoster(&ctx, v1::GetRosterRequest(), resp);
}

}  // namespace authnet::testing
