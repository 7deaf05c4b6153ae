#include "node/bundle/admin_dir.h"

#include <unistd.h>

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "node/bundle/directory_lock.h"
#include "node/bundle/file_names.h"
#include "node/bundle/member_bundle.h"
#include "node/bundle/secure_file.h"
#include "node/core/host_port.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNetworkFiles[] = {kCaCertFile,   kCaKeyFile,       kAdminKeyFile,
                                         kAdminPubFile, kNetworkKeysFile, kRosterFile};

// FileSpec is one file to write: its name, contents and mode.
struct FileSpec {
  const char* name;
  const std::string* data;
  mode_t mode;
};

// FileWriter writes files and, unless Commit() is called, removes them again
// when destroyed: a failed Init or AddMember leaves nothing half-made.
class FileWriter {
 public:
  explicit FileWriter(fs::path dir) : dir_(std::move(dir)) {}
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  ~FileWriter() {
    if (committed_) {
      return;
    }
    for (const fs::path& p : written_) {
      ::unlink(p.c_str());
    }
  }

  absl::Status Write(const char* name, absl::string_view data, mode_t mode) {
    fs::path path = dir_ / name;
    if (absl::Status s = WriteFileAtomically(path, data, mode); !s.ok()) {
      return s;
    }
    written_.push_back(std::move(path));
    return absl::OkStatus();
  }
  void Commit() { committed_ = true; }

 private:
  fs::path dir_;
  std::vector<fs::path> written_;
  bool committed_ = false;
};

absl::Status Broken(const fs::path& dir, absl::string_view file, absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("admin dir ", dir.string(), ": ", file, ": ", what));
}

// ReadAdminFile reads DIR/NAME, turning every failure into a one-line
// FAILED_PRECONDITION naming the file.
absl::StatusOr<std::string> ReadAdminFile(const fs::path& dir, const char* name) {
  absl::StatusOr<std::string> data = ReadFile(dir / name);
  if (absl::IsNotFound(data.status())) {
    return Broken(dir, name, "is missing");
  }
  if (!data.ok()) {
    return Broken(dir, name, data.status().message());
  }
  return data;
}

absl::StatusOr<Roster> ReadRoster(const fs::path& dir, absl::string_view admin_public_key,
                                  absl::string_view network) {
  absl::StatusOr<std::string> data = ReadAdminFile(dir, kRosterFile);
  if (!data.ok()) {
    return data.status();
  }
  v1::SignedRoster signed_roster;
  if (!signed_roster.ParseFromString(*data)) {
    return Broken(dir, kRosterFile, "is not a signed roster");
  }
  absl::StatusOr<Roster> roster = Roster::Verify(signed_roster, admin_public_key, network);
  if (!roster.ok()) {
    return Broken(dir, kRosterFile, roster.status().message());
  }
  return roster;
}

absl::StatusOr<std::string> SerializeRoster(const v1::SignedRoster& roster) {
  std::string out;
  if (!roster.SerializeToString(&out)) {
    return absl::InternalError("cannot serialize the roster");
  }
  return out;
}

// SignedRosterFile is a freshly signed roster, verified as a node would,
// and its bytes as written to roster.pb.
struct SignedRosterFile {
  Roster roster;
  std::string bytes;
};

// SignRoster signs `body` with a fresh expiry, `validity` from now.
absl::StatusOr<SignedRosterFile> SignRoster(v1::RosterBody body,
                                            const crypto::Ed25519Key& admin_key,
                                            absl::string_view network,
                                            absl::Duration validity = kRosterValidity) {
  body.set_expires_unix(absl::ToUnixSeconds(absl::Now() + validity));
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body, admin_key);
  if (!signed_roster.ok()) {
    return signed_roster.status();
  }
  absl::StatusOr<Roster> roster = Roster::Verify(*signed_roster, admin_key.PublicKey(), network);
  if (!roster.ok()) {
    return roster.status();
  }
  absl::StatusOr<std::string> bytes = SerializeRoster(*signed_roster);
  if (!bytes.ok()) {
    return bytes.status();
  }
  return SignedRosterFile{*std::move(roster), *std::move(bytes)};
}

// FindMember returns `id`'s entry in `body`, or NOT_FOUND.
absl::StatusOr<v1::RosterMember*> FindMember(v1::RosterBody& body, absl::string_view id) {
  for (v1::RosterMember& m : *body.mutable_members()) {
    if (m.id() == id) {
      return &m;
    }
  }
  return absl::NotFoundError(absl::StrCat("member \"", id, "\" is not in the roster"));
}

}  // namespace

absl::Status AdminDir::AdoptRoster(Roster roster, absl::string_view bytes) {
  if (absl::Status s = WriteFileAtomically(dir_ / kRosterFile, bytes, kPublicFileMode); !s.ok()) {
    return s;
  }
  roster_ = std::move(roster);
  return absl::OkStatus();
}

absl::Status AdminDir::PublishNext(v1::RosterBody body, absl::Duration validity) {
  body.set_version(roster_.version() + 1);
  absl::StatusOr<SignedRosterFile> next = SignRoster(body, admin_key_, network_, validity);
  if (!next.ok()) {
    return next.status();
  }
  return AdoptRoster(std::move(next->roster), next->bytes);
}

absl::StatusOr<AdminDir> AdminDir::Init(const fs::path& dir, absl::string_view network) {
  if (!IsValidNetworkName(network)) {
    return absl::InvalidArgumentError(
        absl::StrCat("network: \"", (network), "\" must match [a-z0-9][a-z0-9-]{2,31}"));
  }
  if (absl::Status s = CreatePrivateDirectory(dir); !s.ok()) {
    return s;
  }
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) {
    return lock.status();
  }
  for (const char* name : kNetworkFiles) {
    std::error_code ec;
    if (fs::exists(dir / name, ec) || ec) {
      return absl::AlreadyExistsError(absl::StrCat(dir.string(), " already holds a network (", name,
                                                   " exists); refusing to overwrite it"));
    }
  }
  absl::StatusOr<crypto::CertificateAuthority> ca = crypto::CertificateAuthority::Create(network);
  if (!ca.ok()) {
    return ca.status();
  }
  absl::StatusOr<crypto::Ed25519Key> admin_key = crypto::Ed25519Key::Generate();
  if (!admin_key.ok()) {
    return admin_key.status();
  }
  absl::StatusOr<std::string> admin_key_pem = admin_key->ToPem();
  if (!admin_key_pem.ok()) {
    return admin_key_pem.status();
  }
  absl::StatusOr<std::string> admin_pub_pem = crypto::Ed25519PublicKeyToPem(admin_key->PublicKey());
  if (!admin_pub_pem.ok()) {
    return admin_pub_pem.status();
  }
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::Generate();
  if (!keys.ok()) {
    return keys.status();
  }
  v1::RosterBody body;
  body.set_network(std::string(network));
  body.set_version(1);
  absl::StatusOr<SignedRosterFile> next = SignRoster(body, *admin_key, network);
  if (!next.ok()) {
    return next.status();
  }

  const std::string keys_text = keys->Serialize();
  const FileSpec files[] = {{kCaKeyFile, &ca->key_pem(), kSecretFileMode},
                            {kAdminKeyFile, &*admin_key_pem, kSecretFileMode},
                            {kNetworkKeysFile, &keys_text, kSecretFileMode},
                            {kCaCertFile, &ca->cert_pem(), kPublicFileMode},
                            {kAdminPubFile, &*admin_pub_pem, kPublicFileMode},
                            {kRosterFile, &next->bytes, kPublicFileMode}};
  FileWriter writer(dir);
  for (const FileSpec& f : files) {
    if (absl::Status s = writer.Write(f.name, *f.data, f.mode); !s.ok()) {
      return s;
    }
  }
  writer.Commit();
  return AdminDir(dir, std::string(network), *std::move(ca), *std::move(admin_key),
                  *std::move(admin_pub_pem), *std::move(keys), std::move(next->roster));
}

absl::StatusOr<AdminDir> AdminDir::Open(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "admin dir ", dir.string(), " does not exist; create one with 'authnetctl network init'"));
  }
  if (absl::Status s = CheckPrivateDirectory(dir); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("admin dir ", s.message()));
  }
  for (const char* name : {kCaKeyFile, kAdminKeyFile, kNetworkKeysFile}) {
    absl::Status s = CheckSecretFileMode(dir / name);
    if (absl::IsNotFound(s)) {
      return Broken(dir, name, "is missing");
    }
    if (!s.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("admin dir ", dir.string(), ": ", s.message()));
    }
  }
  absl::StatusOr<std::string> ca_pem = ReadAdminFile(dir, kCaCertFile);
  absl::StatusOr<std::string> ca_key_pem = ReadAdminFile(dir, kCaKeyFile);
  absl::StatusOr<std::string> admin_key_pem = ReadAdminFile(dir, kAdminKeyFile);
  absl::StatusOr<std::string> admin_pub_pem = ReadAdminFile(dir, kAdminPubFile);
  absl::StatusOr<std::string> keys_text = ReadAdminFile(dir, kNetworkKeysFile);
  for (const auto* data : {&ca_pem, &ca_key_pem, &admin_key_pem, &admin_pub_pem, &keys_text}) {
    if (!data->ok()) {
      return data->status();
    }
  }
  absl::StatusOr<crypto::CertificateAuthority> ca =
      crypto::CertificateAuthority::FromPem(*ca_pem, *ca_key_pem);
  if (!ca.ok()) {
    return Broken(dir, "ca.crt/ca.key", ca.status().message());
  }
  absl::StatusOr<crypto::Ed25519Key> admin_key = crypto::Ed25519Key::FromPem(*admin_key_pem);
  if (!admin_key.ok()) {
    return Broken(dir, kAdminKeyFile, admin_key.status().message());
  }
  absl::StatusOr<std::string> admin_pub = crypto::Ed25519PublicKeyFromPem(*admin_pub_pem);
  if (!admin_pub.ok()) {
    return Broken(dir, kAdminPubFile, admin_pub.status().message());
  }
  if (*admin_pub != admin_key->PublicKey()) {
    return Broken(dir, kAdminPubFile, "is not the public key of admin.key");
  }
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::Parse(*keys_text);
  if (!keys.ok()) {
    return Broken(dir, kNetworkKeysFile, keys.status().message());
  }
  // The network's name is the one the admin key signed into the roster; the
  // CA must have been made for the same network.
  absl::StatusOr<std::string> roster_bytes = ReadAdminFile(dir, kRosterFile);
  if (!roster_bytes.ok()) {
    return roster_bytes.status();
  }
  v1::SignedRoster unverified;
  v1::RosterBody unverified_body;
  if (!unverified.ParseFromString(*roster_bytes) ||
      !unverified_body.ParseFromString(unverified.body())) {
    return Broken(dir, kRosterFile, "is not a signed roster");
  }
  std::string network = unverified_body.network();
  absl::StatusOr<Roster> roster = ReadRoster(dir, admin_key->PublicKey(), network);
  if (!roster.ok()) {
    return roster.status();
  }
  if (ca->common_name() != crypto::CaCommonName(network)) {
    return Broken(dir, kCaCertFile,
                  absl::StrCat("is not the CA of network \"", network, "\" (its CN is \"",
                               ca->common_name(), "\")"));
  }
  return AdminDir(dir, std::move(network), *std::move(ca), *std::move(admin_key),
                  *std::move(admin_pub_pem), *std::move(keys), *std::move(roster));
}

absl::StatusOr<v1::RosterMember> AdminDir::AddMember(absl::string_view id,
                                                     absl::string_view endpoint, double trust,
                                                     const fs::path& out_dir) {
  if (!IsValidMemberId(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("id: \"", (id), "\" must match [a-z0-9][a-z0-9-]{2,31}"));
  }
  if (absl::StatusOr<HostPort> hp = ParseHostPort("endpoint", endpoint); !hp.ok()) {
    return hp.status();
  }
  if (!std::isfinite(trust) || trust < 0.0 || trust > 1.0) {
    return absl::InvalidArgumentError("trust: must be a number from 0 to 1");
  }
  absl::StatusOr<bool> out_free = IsEmptyOrMissingDirectory(out_dir);
  if (!out_free.ok()) {
    return out_free.status();
  }
  if (!*out_free) {
    return absl::FailedPreconditionError(
        absl::StrCat("bundle directory ", out_dir.string(),
                     " is not empty; give a new or empty directory (bundles are never "
                     "overwritten)"));
  }
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  if (roster_.Find(id) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("member \"", (id), "\" is already in the roster"));
  }

  absl::StatusOr<crypto::IssuedCertificate> tls = ca_.IssueMemberCertificate(network_, id);
  if (!tls.ok()) {
    return tls.status();
  }
  absl::StatusOr<std::string> fingerprint = crypto::CertificateSha256(tls->cert_pem);
  if (!fingerprint.ok()) {
    return fingerprint.status();
  }
  absl::StatusOr<crypto::Ed25519Key> signing_key = crypto::Ed25519Key::Generate();
  if (!signing_key.ok()) {
    return signing_key.status();
  }
  v1::RosterBody body = roster_.body();
  body.set_version(body.version() + 1);
  v1::RosterMember* member = body.add_members();
  member->set_id(std::string(id));
  member->set_status(v1::MEMBER_STATUS_ACTIVE);
  member->set_endpoint(std::string(endpoint));
  member->set_trust_milli(static_cast<uint32_t>(std::lround(trust * 1000.0)));
  member->set_cert_sha256(*fingerprint);
  member->set_signing_public_key(signing_key->PublicKey());
  absl::StatusOr<SignedRosterFile> next = SignRoster(body, admin_key_, network_);
  if (!next.ok()) {
    return next.status();
  }

  if (absl::Status s = CreatePrivateDirectory(out_dir); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> signing_pem = signing_key->ToPem();
  if (!signing_pem.ok()) {
    return signing_pem.status();
  }
  const std::string keys_text = network_keys_.Serialize();
  const FileSpec files[] = {{kNodeKeyFile, &tls->key_pem, kSecretFileMode},
                            {kSigningKeyFile, &*signing_pem, kSecretFileMode},
                            {kNetworkKeysFile, &keys_text, kSecretFileMode},
                            {kCaCertFile, &ca_.cert_pem(), kPublicFileMode},
                            {kNodeCertFile, &tls->cert_pem, kPublicFileMode},
                            {kAdminPubFile, &admin_pub_pem_, kPublicFileMode},
                            {kRosterFile, &next->bytes, kPublicFileMode}};
  FileWriter bundle(out_dir);
  for (const FileSpec& f : files) {
    if (absl::Status s = bundle.Write(f.name, *f.data, f.mode); !s.ok()) {
      return s;
    }
  }
  // The bundle is complete: only now does the admin's roster change.
  if (absl::Status s = WriteFileAtomically(dir_ / kRosterFile, next->bytes, kPublicFileMode);
      !s.ok()) {
    return s;
  }
  bundle.Commit();
  roster_ = std::move(next->roster);
  return *roster_.Find(id);
}

absl::StatusOr<bool> AdminDir::RevokeMember(absl::string_view id) {
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  v1::RosterBody body = roster_.body();
  absl::StatusOr<v1::RosterMember*> member = FindMember(body, id);
  if (!member.ok()) {
    return member.status();
  }
  if ((*member)->status() == v1::MEMBER_STATUS_REVOKED) {
    return false;
  }
  (*member)->set_status(v1::MEMBER_STATUS_REVOKED);
  if (absl::Status s = PublishNext(std::move(body), kRosterValidity); !s.ok()) {
    return s;
  }
  return true;
}

absl::StatusOr<v1::RosterMember> AdminDir::RenewMember(absl::string_view id,
                                                       const fs::path& bundle_dir) {
  absl::StatusOr<MemberBundle> bundle = MemberBundle::Load(bundle_dir);
  if (!bundle.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--out must be member \"", id, "\"'s bundle directory: ", bundle.status().message()));
  }
  if (bundle->member_id() != id || bundle->network() != network_) {
    return absl::FailedPreconditionError(absl::StrCat(
        bundle_dir.string(), " is the bundle of member \"", bundle->member_id(), "\" of network \"",
        bundle->network(), "\", not of \"", id, "\" of \"", network_, "\""));
  }
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  v1::RosterBody body = roster_.body();
  absl::StatusOr<v1::RosterMember*> member = FindMember(body, id);
  if (!member.ok()) {
    return member.status();
  }
  if ((*member)->status() == v1::MEMBER_STATUS_REVOKED) {
    return absl::FailedPreconditionError(
        absl::StrCat("member \"", id, "\" is revoked; a revoked member cannot be renewed"));
  }
  absl::StatusOr<crypto::IssuedCertificate> tls = ca_.IssueMemberCertificate(network_, id);
  if (!tls.ok()) {
    return tls.status();
  }
  absl::StatusOr<std::string> fingerprint = crypto::CertificateSha256(tls->cert_pem);
  if (!fingerprint.ok()) {
    return fingerprint.status();
  }
  (*member)->set_previous_cert_sha256((*member)->cert_sha256());
  (*member)->set_cert_sha256(*fingerprint);
  body.set_version(body.version() + 1);
  absl::StatusOr<SignedRosterFile> next = SignRoster(body, admin_key_, network_);
  if (!next.ok()) {
    return next.status();
  }
  // The roster first: it accepts both certificates, so a node that reloads
  // its files at any point in between still presents an enrolled one. The
  // key before the certificate: a watcher that reads the pair in between
  // sees a mismatch and keeps the old pair until the next check.
  const FileSpec files[] = {{kRosterFile, &next->bytes, kPublicFileMode},
                            {kNodeKeyFile, &tls->key_pem, kSecretFileMode},
                            {kNodeCertFile, &tls->cert_pem, kPublicFileMode}};
  for (const FileSpec& f : files) {
    if (absl::Status s = WriteFileAtomically(bundle_dir / f.name, *f.data, f.mode); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = AdoptRoster(std::move(next->roster), next->bytes); !s.ok()) {
    return s;
  }
  return *roster_.Find(id);
}

absl::StatusOr<uint64_t> AdminDir::RefreshRoster(absl::Duration validity) {
  if (validity < absl::Hours(1) || validity > absl::Hours(24 * 3650)) {
    return absl::InvalidArgumentError("--valid-days: must be from 1 to 3650 days");
  }
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  if (absl::Status s = PublishNext(roster_.body(), validity); !s.ok()) {
    return s;
  }
  return roster_.version();
}

absl::StatusOr<DirectoryLock> AdminDir::LockAndReload() {
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(dir_);
  if (!lock.ok()) {
    return lock.status();
  }
  // Another process may have changed the roster since Open: start from disk.
  absl::StatusOr<Roster> current = ReadRoster(dir_, admin_key_.PublicKey(), network_);
  if (!current.ok()) {
    return current.status();
  }
  roster_ = *std::move(current);
  return lock;
}

std::vector<v1::RosterMember> AdminDir::ListMembers() const {
  return {roster_.body().members().begin(), roster_.body().members().end()};
}

}  // namespace authnet
