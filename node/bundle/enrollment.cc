#include "node/bundle/enrollment.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/bundle/file_names.h"
#include "node/bundle/member_bundle.h"
#include "node/bundle/secure_file.h"
#include "node/core/host_port.h"
#include "node/core/log_text.h"
#include "node/core/member_id.h"
#include "node/crypto/certificate_authority.h"
#include "node/crypto/ed25519_key.h"
#include "node/crypto/sealed_box.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kRequestDomain("authnet/v1/enroll-request\0", 26);

std::string SignedMessage(absl::string_view body) { return absl::StrCat(kRequestDomain, body); }

absl::Status ValidateIdentity(absl::string_view network, absl::string_view member_id,
                              absl::string_view endpoint) {
  if (!IsValidNetworkName(network)) {
    return absl::InvalidArgumentError(absl::StrCat("network: \"", ForeignForLog(network),
                                                   "\" must match [a-z0-9][a-z0-9-]{2,31}"));
  }
  if (!IsValidMemberId(member_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("id: \"", ForeignForLog(member_id), "\" must match [a-z0-9][a-z0-9-]{2,31}"));
  }
  if (absl::StatusOr<HostPort> hp = ParseHostPort("endpoint", endpoint); !hp.ok()) {
    return hp.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::EnrollRequest> SignRequest(absl::string_view tls_key_pem,
                                              const crypto::Ed25519Key& signing_key,
                                              const crypto::X25519Key& sealing_key,
                                              absl::string_view network,
                                              absl::string_view member_id,
                                              absl::string_view endpoint) {
  absl::StatusOr<std::string> csr = crypto::MakeCertificateRequest(tls_key_pem, network, member_id);
  if (!csr.ok()) {
    return csr.status();
  }
  v1::EnrollRequestBody body;
  body.set_network(std::string(network));
  body.set_member_id(std::string(member_id));
  body.set_endpoint(std::string(endpoint));
  body.set_csr_der(*std::move(csr));
  body.set_signing_public_key(signing_key.PublicKey());
  body.set_sealing_public_key(sealing_key.PublicKey());
  body.set_created_unix(absl::ToUnixSeconds(absl::Now()));
  v1::EnrollRequest request;
  if (!body.SerializeToString(request.mutable_body())) {
    return absl::InternalError("cannot serialize the enrollment request");
  }
  absl::StatusOr<std::string> signature = signing_key.Sign(SignedMessage(request.body()));
  if (!signature.ok()) {
    return signature.status();
  }
  request.set_signature(*std::move(signature));
  return request;
}

absl::StatusOr<std::string> Serialize(const v1::EnrollRequest& request) {
  std::string out;
  if (!request.SerializeToString(&out)) {
    return absl::InternalError("cannot serialize the enrollment request");
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::EnrollRequest> GenerateMemberKeys(const fs::path& bundle_dir,
                                                     absl::string_view network,
                                                     absl::string_view member_id,
                                                     absl::string_view endpoint) {
  if (absl::Status s = ValidateIdentity(network, member_id, endpoint); !s.ok()) {
    return s;
  }
  absl::StatusOr<bool> free = IsEmptyOrMissingDirectory(bundle_dir);
  if (!free.ok()) {
    return free.status();
  }
  if (!*free) {
    return absl::FailedPreconditionError(absl::StrCat(
        "bundle directory ", bundle_dir.string(),
        " is not empty; give a new or empty directory (keys are never overwritten; to renew, "
        "add --renew)"));
  }
  absl::StatusOr<std::string> tls_key = crypto::GenerateTlsKeyPem();
  absl::StatusOr<crypto::Ed25519Key> signing_key = crypto::Ed25519Key::Generate();
  absl::StatusOr<crypto::X25519Key> sealing_key = crypto::X25519Key::Generate();
  if (!tls_key.ok()) {
    return tls_key.status();
  }
  if (!signing_key.ok()) {
    return signing_key.status();
  }
  if (!sealing_key.ok()) {
    return sealing_key.status();
  }
  absl::StatusOr<std::string> signing_pem = signing_key->ToPem();
  absl::StatusOr<std::string> sealing_pem = sealing_key->ToPem();
  if (!signing_pem.ok()) {
    return signing_pem.status();
  }
  if (!sealing_pem.ok()) {
    return sealing_pem.status();
  }
  absl::StatusOr<v1::EnrollRequest> request =
      SignRequest(*tls_key, *signing_key, *sealing_key, network, member_id, endpoint);
  if (!request.ok()) {
    return request.status();
  }
  absl::StatusOr<std::string> request_bytes = Serialize(*request);
  if (!request_bytes.ok()) {
    return request_bytes.status();
  }
  if (absl::Status s = CreatePrivateDirectory(bundle_dir); !s.ok()) {
    return s;
  }
  FileWriter writer(bundle_dir);
  for (auto [name, data, mode] :
       {std::tuple{kNodeKeyFile, &*tls_key, kSecretFileMode},
        std::tuple{kSigningKeyFile, &*signing_pem, kSecretFileMode},
        std::tuple{kSealingKeyFile, &*sealing_pem, kSecretFileMode},
        std::tuple{kEnrollRequestFile, &*request_bytes, kPublicFileMode}}) {
    if (absl::Status s = writer.Write(name, *data, mode); !s.ok()) {
      return s;
    }
  }
  writer.Commit();
  return request;
}

absl::StatusOr<v1::EnrollRequest> RenewRequest(const fs::path& bundle_dir,
                                               absl::string_view endpoint) {
  absl::StatusOr<MemberBundle> bundle = MemberBundle::Load(bundle_dir);
  if (!bundle.ok()) {
    return bundle.status();
  }
  std::string at(endpoint);
  if (at.empty()) {
    at = bundle->roster().Find(bundle->member_id())->endpoint();
  }
  if (absl::Status s = ValidateIdentity(bundle->network(), bundle->member_id(), at); !s.ok()) {
    return s;
  }
  absl::StatusOr<v1::EnrollRequest> request =
      SignRequest(bundle->key_pem(), bundle->signing_key(), bundle->sealing_key(),
                  bundle->network(), bundle->member_id(), at);
  if (!request.ok()) {
    return request.status();
  }
  absl::StatusOr<std::string> bytes = Serialize(*request);
  if (!bytes.ok()) {
    return bytes.status();
  }
  if (absl::Status s =
          WriteFileAtomically(bundle_dir / kEnrollRequestFile, *bytes, kPublicFileMode);
      !s.ok()) {
    return s;
  }
  return request;
}

absl::StatusOr<v1::EnrollRequestBody> VerifyEnrollRequest(const v1::EnrollRequest& request) {
  // Proof of possession first: the body is read only once the key it names
  // has signed it (and the key is only trusted for what it signed).
  v1::EnrollRequestBody body;
  if (!body.ParseFromString(request.body())) {
    return absl::InvalidArgumentError("enrollment request: the body does not parse");
  }
  if (body.signing_public_key().size() != 32 ||
      !crypto::VerifyEd25519(body.signing_public_key(), SignedMessage(request.body()),
                             request.signature())) {
    return absl::InvalidArgumentError(
        "enrollment request: the signature does not verify under the signing key it names "
        "(no proof of possession; it was altered or not made by 'authnetctl member keygen')");
  }
  if (absl::Status s = ValidateIdentity(body.network(), body.member_id(), body.endpoint());
      !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("enrollment request: ", s.message()));
  }
  if (!crypto::X25519PublicKeyValid(body.sealing_public_key())) {
    return absl::InvalidArgumentError(
        "enrollment request: the sealing key is not a 32-byte X25519 public key");
  }
  if (absl::StatusOr<crypto::EvpPkeyPtr> key = crypto::CertificateRequestKey(body.csr_der());
      !key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("enrollment request: ", key.status().message()));
  }
  return body;
}

absl::StatusOr<v1::EnrollRequest> ReadEnrollRequest(const fs::path& path) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) {
    return absl::Status(data.status().code(),
                        absl::StrCat(path.string(), ": ", data.status().message()));
  }
  v1::EnrollRequest request;
  if (!request.ParseFromString(*data)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), " is not an enrollment request (enroll-request.pb)"));
  }
  return request;
}

absl::StatusOr<Installed> InstallEnrollment(const fs::path& bundle_dir, const fs::path& from_dir,
                                            absl::string_view expected_admin_set) {
  if (absl::Status s = CheckPrivateDirectory(bundle_dir); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--bundle: ", s.message(), " (make it with 'authnetctl member keygen')"));
  }
  std::map<std::string, std::string> files;
  for (const char* name : kBundleSecretFiles) {
    if (absl::Status s = CheckSecretFileMode(bundle_dir / name); !s.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--bundle ", bundle_dir.string(), ": ", name, ": ", s.message(),
          absl::IsNotFound(s) ? " (make the bundle with 'authnetctl member keygen')" : ""));
    }
    absl::StatusOr<std::string> data = ReadFile(bundle_dir / name);
    if (!data.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("--bundle ", bundle_dir.string(), ": ", data.status().message()));
    }
    files.emplace(name, *std::move(data));
  }
  for (const char* name : kBundlePublicFiles) {
    absl::StatusOr<std::string> data = ReadFile(from_dir / name);
    if (!data.ok()) {
      std::string hint =
          std::string(name) == kRosterFile
              ? "; if the admins' roster still waits for signatures, put ADMIN_DIR/roster.pb "
                "there once 'authnetctl roster sign' completes it"
              : "";
      return absl::FailedPreconditionError(absl::StrCat("--from ", from_dir.string(), ": ", name,
                                                        ": ", data.status().message(), hint));
    }
    files.emplace(name, *std::move(data));
  }
  absl::StatusOr<MemberBundle> checked = MemberBundle::FromFiles(
      files, absl::StrCat(bundle_dir.string(), " with ", from_dir.string()));
  if (!checked.ok()) {
    return checked.status();
  }
  Installed out{checked->roster().version(), AdminSetFingerprint(checked->roster().admins())};
  if (!expected_admin_set.empty() && out.admin_set != expected_admin_set) {
    return absl::FailedPreconditionError(
        absl::StrCat("--from ", from_dir.string(), ": roster.pb's admin set is ", out.admin_set,
                     " (", checked->roster().admins().threshold, " of ",
                     Counted(checked->roster().admins().keys.size(), "key"), "), not the ",
                     ForeignForLog(expected_admin_set),
                     " the network published: do not install it; ask the admins"));
  }
  // The roster first, then the CA, then the certificate: a node watching
  // the bundle that reads in between still finds an enrolled pair.
  for (const char* name : kBundlePublicFiles) {
    if (absl::Status s = WriteFileAtomically(bundle_dir / name, files.at(name), kPublicFileMode);
        !s.ok()) {
      return s;
    }
  }
  return out;
}

}  // namespace authnet
