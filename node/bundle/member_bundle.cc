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
// What to do about a bundle directory that is not there: most often a typo.
constexpr char kNoDirectory[] =
    "no such directory; check the path, or, for a member not enrolled yet, make the bundle with "
    "'authnetctl member keygen' and 'member install' (or 'member add' for a demo)";

// Broken is the one-line error of every Load failure.
absl::Status Broken(absl::string_view where, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("bundle ", where, ": ", what));
}

}  // namespace

absl::StatusOr<MemberBundle> MemberBundle::Load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Broken(dir.string(), kNoDirectory);
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

namespace {

using BundleFiles = std::map<std::string, std::string>;

const std::string& FileIn(const BundleFiles& files, const char* name) {
  static const std::string kEmpty;
  auto it = files.find(name);
  return it == files.end() ? kEmpty : it->second;
}

// TlsIdentity checks ca.crt, node.crt and node.key belong together and
// returns the member node.crt names, and node.crt's fingerprint.
struct TlsIdentity {
  crypto::MemberIdentity member;
  std::string fingerprint;
};
absl::StatusOr<TlsIdentity> CheckTlsIdentity(const BundleFiles& files, absl::string_view where) {
  const std::string& ca_pem = FileIn(files, kCaCertFile);
  const std::string& cert_pem = FileIn(files, kNodeCertFile);
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
  if (absl::Status s = crypto::KeyMatchesCertificate(FileIn(files, kNodeKeyFile), cert_pem);
      !s.ok()) {
    return Broken(where, absl::StrCat("node.crt does not belong to node.key (", s.message(),
                                      "); it was issued for another member's request"));
  }
  absl::StatusOr<crypto::MemberIdentity> identity = crypto::MemberIdentityFromCertificate(cert_pem);
  if (!identity.ok()) {
    return Broken(where, absl::StrCat("node.crt is not a member certificate (",
                                      identity.status().message(), ")"));
  }
  return TlsIdentity{*std::move(identity), *std::move(fingerprint)};
}

// VerifyBundleRoster verifies roster.pb against the admin set admin.pub
// names: its own admin set's signatures, that set exactly admin.pub's keys,
// and `network`'s roster.
absl::StatusOr<Roster> VerifyBundleRoster(const BundleFiles& files, absl::string_view network,
                                          absl::string_view where) {
  absl::StatusOr<std::vector<std::string>> admin_keys =
      Ed25519PublicKeysFromPem(FileIn(files, kAdminPubFile));
  if (!admin_keys.ok()) {
    return Broken(where,
                  absl::StrCat("admin.pub is damaged (", admin_keys.status().message(), ")"));
  }
  v1::SignedRoster signed_roster;
  if (!signed_roster.ParseFromString(FileIn(files, kRosterFile))) {
    return Broken(where, absl::StrCat("roster.pb is damaged (not a signed roster); ", kRecreate));
  }
  absl::StatusOr<Roster> roster = Roster::VerifySelf(signed_roster, network);
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
  return roster;
}

// CheckRoster verifies roster.pb (VerifyBundleRoster) and that it vouches
// for this very member: its certificate and signing key.
absl::StatusOr<Roster> CheckRoster(const BundleFiles& files, const TlsIdentity& tls,
                                   const crypto::Ed25519Key& signing_key, absl::string_view where) {
  absl::StatusOr<Roster> roster = VerifyBundleRoster(files, tls.member.network, where);
  if (!roster.ok()) {
    return roster.status();
  }
  const std::string& id = tls.member.member_id;
  const v1::RosterMember* entry = roster->Find(id);
  if (entry == nullptr) {
    return Broken(
        where, absl::StrCat("roster.pb (version ", roster->version(), ") does not list member \"",
                            id, "\" named by node.crt; ", kRecreate));
  }
  if (!IsEnrolledCertificate(*entry, tls.fingerprint)) {
    return Broken(where, absl::StrCat("node.crt is not the certificate roster.pb lists for \"", id,
                                      "\" (fingerprint differs); ", kRecreate));
  }
  if (entry->signing_public_key() != signing_key.PublicKey()) {
    return Broken(where, absl::StrCat("signing.key is not the key roster.pb lists for \"", id,
                                      "\"; ", kRecreate));
  }
  return roster;
}

}  // namespace

absl::StatusOr<Roster> MemberBundle::LoadRoster(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Broken(dir.string(), kNoDirectory);
  }
  BundleFiles files;
  for (const char* name : {kRosterFile, kAdminPubFile, kNodeCertFile}) {
    absl::StatusOr<std::string> data = ReadFile(dir / name);
    if (absl::IsNotFound(data.status())) {
      // Before 'member install', a bundle holds only the member's keys.
      return Broken(
          dir.string(),
          absl::StrCat(name,
                       " is missing; the bundle is not installed yet: 'authnetctl "
                       "member install --bundle ",
                       dir.string(), " --from ENROLL_DIR' with the files the admins sent"));
    }
    if (!data.ok()) {
      return Broken(dir.string(), absl::StrCat(name, ": ", data.status().message()));
    }
    files.emplace(name, *std::move(data));
  }
  absl::StatusOr<crypto::MemberIdentity> identity =
      crypto::MemberIdentityFromCertificate(files[kNodeCertFile]);
  if (!identity.ok()) {
    return Broken(dir.string(), absl::StrCat("node.crt is not a member certificate (",
                                             identity.status().message(), "); ", kRecreate));
  }
  return VerifyBundleRoster(files, identity->network, dir.string());
}

absl::StatusOr<MemberBundle> MemberBundle::FromFiles(const BundleFiles& files,
                                                     absl::string_view where) {
  absl::StatusOr<TlsIdentity> tls = CheckTlsIdentity(files, where);
  if (!tls.ok()) {
    return tls.status();
  }
  absl::StatusOr<crypto::Ed25519Key> signing_key =
      crypto::Ed25519Key::FromPem(FileIn(files, kSigningKeyFile));
  if (!signing_key.ok()) {
    return Broken(where,
                  absl::StrCat("signing.key is damaged (", signing_key.status().message(), ")"));
  }
  absl::StatusOr<crypto::X25519Key> sealing_key =
      crypto::X25519Key::FromPem(FileIn(files, kSealingKeyFile));
  if (!sealing_key.ok()) {
    return Broken(where,
                  absl::StrCat("sealing.key is damaged (", sealing_key.status().message(), ")"));
  }
  absl::StatusOr<Roster> roster = CheckRoster(files, *tls, *signing_key, where);
  if (!roster.ok()) {
    return roster.status();
  }
  absl::StatusOr<NetworkKeys> keys = OpenNetworkKeys(*roster, tls->member.member_id, *sealing_key);
  if (!keys.ok()) {
    return Broken(where, absl::StrCat("roster.pb: ", keys.status().message()));
  }
  return MemberBundle(tls->member.network, tls->member.member_id, FileIn(files, kCaCertFile),
                      FileIn(files, kNodeCertFile), FileIn(files, kNodeKeyFile),
                      *std::move(signing_key), *std::move(sealing_key), *std::move(keys),
                      *std::move(roster));
}

}  // namespace authnet
