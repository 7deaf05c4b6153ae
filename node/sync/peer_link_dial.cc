// PeerLink's connection: the channel it dials (mutual TLS, the peer's
// certificate checked against the roster) and the wait for its handshake.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "absl/strings/str_cat.h"
#include "node/crypto/certificate_authority.h"
#include "node/sync/peer_link.h"

namespace authnet {

// ServerVerifier accepts a peer's server certificate (already chained to the
// network CA by gRPC) only if it names an active roster member and is the
// certificate enrolled for it; it tells the link which member it reached.
class PeerLink::ServerVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit ServerVerifier(PeerLink* link) : link_(link) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    std::string pem(request->peer_cert().data(), request->peer_cert().size());
    std::shared_ptr<const Roster> roster = link_->roster_.Current();
    absl::StatusOr<std::string> id = crypto::MemberIdFromCertificate(pem, roster->network());
    absl::Status st = id.status();
    if (st.ok()) {
      const v1::RosterMember* m = roster->Find(*id);
      absl::StatusOr<std::string> fingerprint = crypto::CertificateSha256(pem);
      if (m == nullptr || m->status() != v1::MEMBER_STATUS_ACTIVE) {
        st = absl::PermissionDeniedError(absl::StrCat("peer '", *id, "' is not an active member"));
      } else if (!fingerprint.ok() || !IsEnrolledCertificate(*m, *fingerprint)) {
        st = absl::PermissionDeniedError(
            absl::StrCat("peer '", *id, "' presented a certificate other than the enrolled one"));
      } else {
        link_->SetMember(*id);
      }
    }
    *sync_status = st.ok()
                       ? grpc::Status::OK
                       : grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(st.message()));
    return true;
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  PeerLink* link_;
};

std::shared_ptr<grpc::Channel> PeerLink::Dial() {
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(tls_.provider);
  tls.watch_root_certs();
  tls.watch_identity_key_cert_pairs();
  tls.set_verify_server_certs(true);
  // Certificates name members, not hosts: ServerVerifier checks the member.
  tls.set_check_call_host(false);
  tls.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<ServerVerifier>(this));
  grpc::ChannelArguments args;
  // A connection of our own, so a new session always means a new handshake
  // against the current roster.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  return grpc::CreateCustomChannel(address_, grpc::experimental::TlsCredentials(tls), args);
}

bool PeerLink::AwaitHandshake(grpc::Channel& channel) {
  for (auto until = std::chrono::steady_clock::now() + options_.call_timeout;;) {
    grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
    if (state == GRPC_CHANNEL_READY || std::chrono::steady_clock::now() >= until) {
      return true;
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || reconnect_) {
        return false;
      }
    }
    channel.WaitForStateChange(state,
                               std::chrono::system_clock::now() + std::chrono::milliseconds(50));
  }
}

}  // namespace authnet
