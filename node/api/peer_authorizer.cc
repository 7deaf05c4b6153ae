#include "node/api/peer_authorizer.h"

#include "absl/strings/str_cat.h"
#include "node/crypto/certificate_authority.h"

namespace authnet {

namespace {

absl::StatusOr<std::string> CertificateOf(const grpc::AuthContext& auth) {
  std::vector<grpc::string_ref> certs = auth.FindPropertyValues("x509_pem_cert");
  if (certs.empty()) {
    return absl::UnauthenticatedError("peer presented no client certificate");
  }
  return std::string(certs.front().data(), certs.front().size());
}

}  // namespace

absl::StatusOr<std::string> MemberOf(const grpc::AuthContext& auth, const Roster& roster) {
  absl::StatusOr<std::string> pem = CertificateOf(auth);
  if (!pem.ok()) {
    return pem.status();
  }
  absl::StatusOr<std::string> id = crypto::MemberIdFromCertificate(*pem, roster.network());
  if (!id.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("peer certificate names no member of this network: ", id.status().message()));
  }
  return id;
}

absl::StatusOr<std::string> AuthorizePeer(const grpc::AuthContext& auth, const Roster& roster) {
  absl::StatusOr<std::string> id = MemberOf(auth, roster);
  if (!id.ok()) {
    return id.status();
  }
  std::string pem = *CertificateOf(auth);
  const v1::RosterMember* member = roster.Find(*id);
  if (member == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("member '", *id, "' is not in roster version ", roster.version()));
  }
  if (member->status() != v1::MEMBER_STATUS_ACTIVE) {
    return absl::PermissionDeniedError(absl::StrCat("member '", *id, "' is not active"));
  }
  absl::StatusOr<std::string> fingerprint = crypto::CertificateSha256(pem);
  if (!fingerprint.ok() || !IsEnrolledCertificate(*member, *fingerprint)) {
    return absl::PermissionDeniedError(
        absl::StrCat("member '", *id, "' presented a certificate other than the enrolled one"));
  }
  return *id;
}

}  // namespace authnet
