#include "node/bundle/member_bundle.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "node/bundle/file_names.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "node/crypto/certificate_authority.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;

constexpr char kRecreate[] =
    "re-enroll: 'authnetctl member keygen' and 'member install' (or 'member add' for a demo)";

// Broken is the one-line error of every Load failure.
absl::Status Broken(absl::string_view where, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("bundle ", where, ": ", what));
}

}  // namespace

absl::StatusOr<MemberBundle> MemberBundle::Load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Broken(dir.string(), absl::StrCat("no such directory; ", kRecreate));
  }
  if (absl::Status s = CheckPrivateDirectory(dir); !s.ok()) {
    return absl::FailedPreconditionError(s.message());
  }
  for (const char* name : kBundleSecretFiles) {
    absl::Status s = CheckSecretFileMode(dir / name);
    if (absl::IsNotFound(s)) {
      return Broken(dir.string(), absl::StrCat(name, " is missing; ", kRecreate));
    }
    if (!s.ok()) {
      return Broken(dir.string(), s.message());
    }
  }
  std::map<std::string, std::string> files;
  std::vector<const char*> all(std::begin(kBundleSecretFiles), std::end(kBundleSecretFiles));
  all.insert(all.end(), std::begin(kBundlePublicFiles), std::end(kBundlePublicFiles));
  for (const char* name : all) {
    absl::StatusOr<std::string> data = ReadFile(dir / name);
    if (absl::IsNotFound(data.status())) {
      return Broken(dir.string(), absl::StrCat(name, " is missing; ", kRecreate));
    }
    if (!data.ok()) {
      return Broken(dir.string(), absl::StrCat(name, ": ", data.status().message()));
    }
    files.emplace(name, *std::move(data));
  }
  return FromFiles(files, dir.string());
}

absl::StatusOr<MemberBundle> MemberBundle::FromFiles(
    const std::map<std::string, std::string>& files, absl::string_view where) {
  auto file = [&](const char* name) -> const std::string& {
    static const std::string kEmpty;
    auto it = files.find(name);
    return it == files.end() ? kEmpty : it->second;
  };
  const std::string& ca_pem = file(kCaCertFile);
  const std::string& cert_pem = file(kNodeCertFile);
  const std::string& key_pem = file(kNodeKeyFile);

  // The TLS identity: ca.crt, node.crt, node.key.
  if (absl::StatusOr<std::string> fp = crypto::CertificateSha256(ca_pem); !fp.ok()) {
    return Broken(where, absl::StrCat("ca.crt is damaged (", fp.status().message(), ")"));
  }
  absl::StatusOr<std::string> fingerprint = crypto::CertificateSha256(cert_pem);
  if (!fingerprint.ok()) {
    return Broken(where,
                  absl::StrCat("node.crt is damaged (", fingerprint.status().message(), ")"));
  }
  if (absl::Status s = crypto::VerifyIssuedBy(cert_pem, ca_pem); !s.ok()) {
    return Broken(where, absl::StrCat("node.crt is not valid under ca.crt (", s.message(),
                                      "); the files come from different networks or the "
                                      "certificate expired: ",
                                      kRecreate));
  }
  if (absl::Status s = crypto::KeyMatchesCertificate(key_pem, cert_pem); !s.ok()) {
    return Broken(where, absl::StrCat("node.crt does not belong to node.key (", s.message(),
                                      "); it was issued for another member's request"));
  }
  absl::StatusOr<crypto::MemberIdentity> identity = crypto::MemberIdentityFromCertificate(cert_pem);
  if (!identity.ok()) {
    return Broken(where, absl::StrCat("node.crt is not a member certificate (",
                                      identity.status().message(), ")"));
  }

  // The member's other secrets.
  absl::StatusOr<crypto::Ed25519Key> signing_key =
      crypto::Ed25519Key::FromPem(file(kSigningKeyFile));
  if (!signing_key.ok()) {
    return Broken(where,
                  absl::StrCat("signing.key is damaged (", signing_key.status().message(), ")"));
  }
  absl::StatusOr<crypto::X25519Key> sealing_key = crypto::X25519Key::FromPem(file(kSealingKeyFile));
  if (!sealing_key.ok()) {
    return Broken(where,
                  absl::StrCat("sealing.key is damaged (", sealing_key.status().message(), ")"));
  }

  // The roster, signed by the admin set admin.pub names, must vouch for
  // this very member.
  absl::StatusOr<std::vector<std::string>> admin_keys =
      Ed25519PublicKeysFromPem(file(kAdminPubFile));
  if (!admin_keys.ok()) {
    return Broken(where,
                  absl::StrCat("admin.pub is damaged (", admin_keys.status().message(), ")"));
  }
  v1::SignedRoster signed_roster;
  if (!signed_roster.ParseFromString(file(kRosterFile))) {
    return Broken(where, absl::StrCat("roster.pb is damaged (not a signed roster); ", kRecreate));
  }
  absl::StatusOr<Roster> roster = Roster::VerifySelf(signed_roster, identity->network);
  if (!roster.ok()) {
    return Broken(where, absl::StrCat("roster.pb does not verify (", roster.status().message(),
                                      "); get the current roster from the network admins"));
  }
  std::vector<std::string> roster_admins = roster->admins().keys;
  if (std::set<std::string>(roster_admins.begin(), roster_admins.end()) !=
      std::set<std::string>(admin_keys->begin(), admin_keys->end())) {
    return Broken(where,
                  "roster.pb is signed by another admin set than admin.pub names; take both "
                  "from the same enrollment");
  }
  const v1::RosterMember* entry = roster->Find(identity->member_id);
  if (entry == nullptr) {
    return Broken(
        where, absl::StrCat("roster.pb (version ", roster->version(), ") does not list member \"",
                            identity->member_id, "\" named by node.crt; ", kRecreate));
  }
  if (!IsEnrolledCertificate(*entry, *fingerprint)) {
    return Broken(where,
                  absl::StrCat("node.crt is not the certificate roster.pb lists for \"",
                               identity->member_id, "\" (fingerprint differs); ", kRecreate));
  }
  if (entry->signing_public_key() != signing_key->PublicKey()) {
    return Broken(where, absl::StrCat("signing.key is not the key roster.pb lists for \"",
                                      identity->member_id, "\"; ", kRecreate));
  }
  absl::StatusOr<NetworkKeys> keys = OpenNetworkKeys(*roster, identity->member_id, *sealing_key);
  if (!keys.ok()) {
    return Broken(where, absl::StrCat("roster.pb: ", keys.status().message()));
  }
  return MemberBundle(identity->network, identity->member_id, ca_pem, cert_pem, key_pem,
                      *std::move(signing_key), *std::move(sealing_key), *std::move(keys),
                      *std::move(roster));
}

}  // namespace authnet
