#include "node/bundle/member_bundle.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "node/bundle/file_names.h"
#include "node/bundle/secure_file.h"
#include "node/crypto/certificate_authority.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;

constexpr char kRecreate[] = "re-create the bundle with 'authnetctl member add'";

// Broken is the one-line error of every Load failure.
absl::Status Broken(const fs::path& dir, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("bundle ", dir.string(), ": ", what));
}

absl::StatusOr<std::string> ReadBundleFile(const fs::path& dir, const char* name) {
  absl::StatusOr<std::string> data = ReadFile(dir / name);
  if (absl::IsNotFound(data.status())) {
    return Broken(dir, absl::StrCat(name, " is missing; ", kRecreate));
  }
  if (!data.ok()) {
    return Broken(dir, absl::StrCat(name, ": ", data.status().message()));
  }
  return data;
}

}  // namespace

absl::StatusOr<MemberBundle> MemberBundle::Load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Broken(dir, absl::StrCat("no such directory; ", kRecreate, " --out ", dir.string()));
  }
  if (absl::Status s = CheckPrivateDirectory(dir); !s.ok()) {
    return absl::FailedPreconditionError(s.message());
  }
  for (const char* name : {kNodeKeyFile, kSigningKeyFile, kNetworkKeysFile}) {
    absl::Status s = CheckSecretFileMode(dir / name);
    if (absl::IsNotFound(s)) {
      return Broken(dir, absl::StrCat(name, " is missing; ", kRecreate));
    }
    if (!s.ok()) {
      return Broken(dir, s.message());
    }
  }
  absl::StatusOr<std::string> ca_pem = ReadBundleFile(dir, kCaCertFile);
  absl::StatusOr<std::string> cert_pem = ReadBundleFile(dir, kNodeCertFile);
  absl::StatusOr<std::string> key_pem = ReadBundleFile(dir, kNodeKeyFile);
  absl::StatusOr<std::string> signing_pem = ReadBundleFile(dir, kSigningKeyFile);
  absl::StatusOr<std::string> keys_text = ReadBundleFile(dir, kNetworkKeysFile);
  absl::StatusOr<std::string> admin_pub_pem = ReadBundleFile(dir, kAdminPubFile);
  absl::StatusOr<std::string> roster_bytes = ReadBundleFile(dir, kRosterFile);
  for (const auto* data :
       {&ca_pem, &cert_pem, &key_pem, &signing_pem, &keys_text, &admin_pub_pem, &roster_bytes}) {
    if (!data->ok()) {
      return data->status();
    }
  }

  // The TLS identity: ca.crt, node.crt, node.key.
  if (absl::StatusOr<std::string> fp = crypto::CertificateSha256(*ca_pem); !fp.ok()) {
    return Broken(dir, absl::StrCat("ca.crt is damaged (", fp.status().message(), ")"));
  }
  absl::StatusOr<std::string> fingerprint = crypto::CertificateSha256(*cert_pem);
  if (!fingerprint.ok()) {
    return Broken(dir, absl::StrCat("node.crt is damaged (", fingerprint.status().message(), ")"));
  }
  if (absl::Status s = crypto::VerifyIssuedBy(*cert_pem, *ca_pem); !s.ok()) {
    return Broken(dir, absl::StrCat("node.crt is not valid under ca.crt (", s.message(),
                                    "); the files come from different networks or the "
                                    "certificate expired: ",
                                    kRecreate));
  }
  if (absl::Status s = crypto::KeyMatchesCertificate(*key_pem, *cert_pem); !s.ok()) {
    return Broken(dir, absl::StrCat("node.key does not belong to node.crt (", s.message(),
                                    "); restore the pair from the same bundle"));
  }
  absl::StatusOr<crypto::MemberIdentity> identity =
      crypto::MemberIdentityFromCertificate(*cert_pem);
  if (!identity.ok()) {
    return Broken(dir, absl::StrCat("node.crt is not a member certificate (",
                                    identity.status().message(), ")"));
  }

  // The member's other secrets.
  absl::StatusOr<crypto::Ed25519Key> signing_key = crypto::Ed25519Key::FromPem(*signing_pem);
  if (!signing_key.ok()) {
    return Broken(dir,
                  absl::StrCat("signing.key is damaged (", signing_key.status().message(), ")"));
  }
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::Parse(*keys_text);
  if (!keys.ok()) {
    return Broken(dir, absl::StrCat("network.keys is damaged (", keys.status().message(), ")"));
  }

  // The roster, as signed by the admin, must vouch for this very member.
  absl::StatusOr<std::string> admin_pub = crypto::Ed25519PublicKeyFromPem(*admin_pub_pem);
  if (!admin_pub.ok()) {
    return Broken(dir, absl::StrCat("admin.pub is damaged (", admin_pub.status().message(), ")"));
  }
  v1::SignedRoster signed_roster;
  if (!signed_roster.ParseFromString(*roster_bytes)) {
    return Broken(dir, absl::StrCat("roster.pb is damaged (not a signed roster); ", kRecreate));
  }
  absl::StatusOr<Roster> roster = Roster::Verify(signed_roster, *admin_pub, identity->network);
  if (!roster.ok()) {
    return Broken(dir, absl::StrCat("roster.pb does not verify under admin.pub (",
                                    roster.status().message(), "); ", kRecreate));
  }
  const v1::RosterMember* entry = roster->Find(identity->member_id);
  if (entry == nullptr) {
    return Broken(
        dir, absl::StrCat("roster.pb (version ", roster->version(), ") does not list member \"",
                          identity->member_id, "\" named by node.crt; ", kRecreate));
  }
  if (!IsEnrolledCertificate(*entry, *fingerprint)) {
    return Broken(dir, absl::StrCat("node.crt is not the certificate roster.pb lists for \"",
                                    identity->member_id, "\" (fingerprint differs); ", kRecreate));
  }
  if (entry->signing_public_key() != signing_key->PublicKey()) {
    return Broken(dir, absl::StrCat("signing.key is not the key roster.pb lists for \"",
                                    identity->member_id, "\"; ", kRecreate));
  }
  return MemberBundle(identity->network, identity->member_id, *std::move(ca_pem),
                      *std::move(cert_pem), *std::move(key_pem), *std::move(signing_key),
                      *std::move(keys), *std::move(admin_pub), *std::move(roster));
}

}  // namespace authnet
