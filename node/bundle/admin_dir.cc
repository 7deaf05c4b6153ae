#include "node/bundle/admin_dir.h"

#include <unistd.h>

#include <cmath>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/bundle/directory_lock.h"
#include "node/bundle/enrollment.h"
#include "node/bundle/file_names.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "node/core/host_port.h"
#include "node/core/log_text.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxAdmins = 32;

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

// ReadRoster reads roster.pb and verifies it against its own admin set (the
// admin directory is the root of trust: what it holds was verified when
// written).
absl::StatusOr<Roster> ReadRoster(const fs::path& dir) {
  absl::StatusOr<std::string> data = ReadAdminFile(dir, kRosterFile);
  if (!data.ok()) {
    return data.status();
  }
  v1::SignedRoster signed_roster;
  v1::RosterBody body;
  if (!signed_roster.ParseFromString(*data) || !body.ParseFromString(signed_roster.body())) {
    return Broken(dir, kRosterFile, "is not a signed roster");
  }
  absl::StatusOr<Roster> roster = Roster::VerifySelf(signed_roster, body.network());
  if (!roster.ok()) {
    return Broken(dir, kRosterFile, roster.status().message());
  }
  return roster;
}

absl::StatusOr<NetworkKeys> ReadNetworkKeys(const fs::path& dir) {
  absl::StatusOr<std::string> text = ReadAdminFile(dir, kNetworkKeysFile);
  if (!text.ok()) {
    return text.status();
  }
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::Parse(*text);
  if (!keys.ok()) {
    return Broken(dir, kNetworkKeysFile, keys.status().message());
  }
  return keys;
}

std::string AdminKeyFileName(int index) {
  return absl::StrCat(kAdminKeyPrefix, index, kAdminKeySuffix);
}

// AdminKeyFiles lists the admin-N.key files in `dir`, by N.
std::vector<fs::path> AdminKeyFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  for (auto& [index, path] : NumberedFiles(dir, kAdminKeyPrefix, kAdminKeySuffix)) {
    out.push_back(std::move(path));
  }
  return out;
}

// NewAdminKeys makes `init.admins` admin keys and their PEM files,
// encrypted with the passphrase `init` gives for each.
struct NewAdminKeys {
  std::vector<crypto::Ed25519Key> keys;
  std::vector<std::string> pems;
};
absl::StatusOr<NewAdminKeys> MakeAdminKeys(const AdminInit& init) {
  NewAdminKeys out;
  for (int i = 1; i <= init.admins; ++i) {
    absl::StatusOr<crypto::Ed25519Key> key = crypto::Ed25519Key::Generate();
    if (!key.ok()) {
      return key.status();
    }
    absl::StatusOr<std::string> passphrase =
        init.passphrase ? init.passphrase(i) : absl::StatusOr<std::string>("");
    if (!passphrase.ok()) {
      return passphrase.status();
    }
    absl::StatusOr<std::string> pem = key->ToPem(&*passphrase);
    if (!pem.ok()) {
      return pem.status();
    }
    out.keys.push_back(*std::move(key));
    out.pems.push_back(*std::move(pem));
  }
  return out;
}

// FirstRoster is version 1 of a network: no members, the admin set, network
// key epoch 1, signed by every admin key.
absl::StatusOr<Roster> FirstRoster(absl::string_view network, const NewAdminKeys& admins,
                                   int threshold, const NetworkKeys& keys) {
  v1::RosterBody body;
  body.set_network(std::string(network));
  body.set_version(1);
  body.set_admin_threshold(static_cast<uint32_t>(threshold));
  v1::KeyEpoch* epoch = body.add_key_epochs();
  epoch->set_epoch(keys.CurrentEpoch());
  epoch->set_created_unix(absl::ToUnixSeconds(absl::Now()));
  body.set_expires_unix(absl::ToUnixSeconds(absl::Now() + kRosterValidity));
  std::vector<const crypto::Ed25519Key*> signers;
  for (const crypto::Ed25519Key& key : admins.keys) {
    body.add_admin_keys(key.PublicKey());
    signers.push_back(&key);
  }
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body, signers);
  if (!signed_roster.ok()) {
    return signed_roster.status();
  }
  return Roster::VerifySelf(*signed_roster, network);
}

absl::Status CheckInit(absl::string_view network, const AdminInit& init) {
  if (!IsValidNetworkName(network)) {
    return absl::InvalidArgumentError(
        absl::StrCat("network: \"", network, "\" must match [a-z0-9][a-z0-9-]{2,31}"));
  }
  if (init.admins < 1 || init.admins > kMaxAdmins) {
    return absl::InvalidArgumentError(
        absl::StrCat("--admins: must be 1 to ", kMaxAdmins, ", not ", init.admins));
  }
  if (init.threshold < 1 || init.threshold > init.admins) {
    return absl::InvalidArgumentError(absl::StrCat("--threshold: must be 1 to ", init.admins,
                                                   " (the number of admins), not ",
                                                   init.threshold));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Serialize(const google::protobuf::Message& m) {
  std::string out;
  if (!m.SerializeToString(&out)) {
    return absl::InternalError("cannot serialize the roster");
  }
  return out;
}

}  // namespace

absl::StatusOr<AdminDir> AdminDir::Init(const fs::path& dir, absl::string_view network,
                                        const AdminInit& init) {
  if (absl::Status s = CheckInit(network, init); !s.ok()) {
    return s;
  }
  if (absl::Status s = CreatePrivateDirectory(dir); !s.ok()) {
    return s;
  }
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) {
    return lock.status();
  }
  for (const std::string& name :
       {std::string(kCaCertFile), std::string(kCaKeyFile), std::string(kNetworkKeysFile),
        std::string(kRosterFile), AdminKeyFileName(1)}) {
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
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::Generate();
  if (!keys.ok()) {
    return keys.status();
  }
  absl::StatusOr<NewAdminKeys> admins = MakeAdminKeys(init);
  if (!admins.ok()) {
    return admins.status();
  }
  absl::StatusOr<Roster> roster = FirstRoster(network, *admins, init.threshold, *keys);
  if (!roster.ok()) {
    return roster.status();
  }
  FileWriter writer(dir);
  const std::string keys_text = keys->Serialize();
  const std::string roster_bytes = roster->signed_roster().SerializeAsString();
  for (auto [name, data, mode] : {std::tuple{kCaKeyFile, &ca->key_pem(), kSecretFileMode},
                                  std::tuple{kNetworkKeysFile, &keys_text, kSecretFileMode},
                                  std::tuple{kCaCertFile, &ca->cert_pem(), kPublicFileMode},
                                  std::tuple{kRosterFile, &roster_bytes, kPublicFileMode}}) {
    if (absl::Status s = writer.Write(name, *data, mode); !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < admins->pems.size(); ++i) {
    std::string name = AdminKeyFileName(static_cast<int>(i) + 1);
    if (absl::Status s = writer.Write(name.c_str(), admins->pems[i], kSecretFileMode); !s.ok()) {
      return s;
    }
  }
  writer.Commit();
  AdminDir out(dir, std::string(network), *std::move(ca), *std::move(keys), *std::move(roster));
  out.signers_ = std::move(admins->keys);
  return out;
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
  std::vector<std::string> secrets = {kCaKeyFile, kNetworkKeysFile};
  for (const fs::path& p : AdminKeyFiles(dir)) {
    secrets.push_back(p.filename().string());
  }
  for (const std::string& name : secrets) {
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
  if (!ca_pem.ok()) {
    return ca_pem.status();
  }
  absl::StatusOr<std::string> ca_key_pem = ReadAdminFile(dir, kCaKeyFile);
  if (!ca_key_pem.ok()) {
    return ca_key_pem.status();
  }
  absl::StatusOr<crypto::CertificateAuthority> ca =
      crypto::CertificateAuthority::FromPem(*ca_pem, *ca_key_pem);
  if (!ca.ok()) {
    return Broken(dir, "ca.crt/ca.key", ca.status().message());
  }
  absl::StatusOr<NetworkKeys> keys = ReadNetworkKeys(dir);
  if (!keys.ok()) {
    return keys.status();
  }
  absl::StatusOr<Roster> roster = ReadRoster(dir);
  if (!roster.ok()) {
    return roster.status();
  }
  if (ca->common_name() != crypto::CaCommonName(roster->network())) {
    return Broken(dir, kCaCertFile,
                  absl::StrCat("is not the CA of network \"", roster->network(), "\" (its CN is \"",
                               ca->common_name(), "\")"));
  }
  std::string network = roster->network();
  AdminDir admin(dir, std::move(network), *std::move(ca), *std::move(keys), *std::move(roster));
  // Unencrypted admin keys are at hand at once; encrypted ones once
  // LoadSigningKeys has their passphrase.
  if (absl::StatusOr<int> loaded = admin.LoadSigningKeys(nullptr, /*encrypted=*/false);
      !loaded.ok()) {
    return loaded.status();
  }
  return admin;
}

absl::StatusOr<int> AdminDir::LoadSigningKeys(const PassphraseFn& passphrase, bool encrypted) {
  AdminSet admins = roster_.admins();
  for (const fs::path& path : AdminKeyFiles(dir_)) {
    absl::StatusOr<std::string> pem = ReadFile(path);
    if (!pem.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(path.string(), ": ", pem.status().message()));
    }
    std::string secret;
    if (crypto::IsEncryptedPrivateKeyPem(*pem)) {
      if (!encrypted) {
        continue;
      }
      absl::StatusOr<std::string> given =
          passphrase ? passphrase(path)
                     : absl::StatusOr<std::string>(absl::PermissionDeniedError(
                           "it is encrypted; give --passphrase-file or run on a terminal"));
      if (!given.ok()) {
        return absl::Status(given.status().code(),
                            absl::StrCat(path.filename().string(), ": ", given.status().message()));
      }
      secret = *std::move(given);
    }
    absl::StatusOr<crypto::Ed25519Key> key = crypto::Ed25519Key::FromPem(*pem, &secret);
    if (!key.ok()) {
      return absl::Status(key.status().code(),
                          absl::StrCat(path.filename().string(), ": ", key.status().message()));
    }
    bool held = std::any_of(signers_.begin(), signers_.end(), [&](const crypto::Ed25519Key& k) {
      return k.PublicKey() == key->PublicKey();
    });
    if (admins.Contains(key->PublicKey()) && !held) {
      signers_.push_back(*std::move(key));
    }
  }
  return static_cast<int>(signers_.size());
}

fs::path AdminDir::NextAdminKeyFile() const {
  for (int i = 1;; ++i) {
    fs::path path = dir_ / AdminKeyFileName(i);
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      return path;
    }
  }
}

std::vector<const crypto::Ed25519Key*> AdminDir::Signers() const {
  std::vector<const crypto::Ed25519Key*> out;
  for (const crypto::Ed25519Key& key : signers_) {
    out.push_back(&key);
  }
  return out;
}

absl::StatusOr<Publication> AdminDir::Publish(v1::RosterBody body, absl::Duration validity) {
  std::error_code ec;
  if (fs::exists(dir_ / kRosterProposalFile, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "roster version ", roster_.version() + 1, " waits for admin signatures in ",
        (dir_ / kRosterProposalFile).string(),
        ": sign it first ('authnetctl roster sign'), or delete that file to abandon it"));
  }
  body.set_version(roster_.version() + 1);
  body.set_expires_unix(absl::ToUnixSeconds(absl::Now() + validity));
  AdminSet current = roster_.admins();
  AdminSet next = AdminSet::Of(body);
  std::vector<const crypto::Ed25519Key*> keys;
  for (const crypto::Ed25519Key* key : Signers()) {
    if (current.Contains(key->PublicKey()) || next.Contains(key->PublicKey())) {
      keys.push_back(key);
    }
  }
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body, keys);
  if (!signed_roster.ok()) {
    return signed_roster.status();
  }
  return Finish(*signed_roster);
}

absl::StatusOr<Publication> AdminDir::Finish(const v1::SignedRoster& signed_roster) {
  AdminSet current = roster_.admins();
  Publication out;
  out.needed = current.threshold;
  out.signatures = Roster::CountSignatures(signed_roster, current);
  absl::StatusOr<std::string> bytes = Serialize(signed_roster);
  if (!bytes.ok()) {
    return bytes.status();
  }
  absl::StatusOr<Roster> verified = Roster::Verify(signed_roster, current, network_);
  if (!verified.ok()) {
    v1::RosterBody body;
    body.ParseFromString(signed_roster.body());
    out.version = body.version();
    if (absl::Status s = WriteFileAtomically(dir_ / kRosterProposalFile, *bytes, kPublicFileMode);
        !s.ok()) {
      return s;
    }
    return out;
  }
  if (absl::Status s = WriteFileAtomically(dir_ / kRosterFile, *bytes, kPublicFileMode); !s.ok()) {
    return s;
  }
  std::error_code ec;
  fs::remove(dir_ / kRosterProposalFile, ec);
  roster_ = *std::move(verified);
  out.version = roster_.version();
  out.complete = true;
  return out;
}

absl::Status AdminDir::StartEpoch(v1::RosterBody& body) {
  std::error_code ec;
  if (fs::exists(dir_ / kRosterProposalFile, ec)) {
    return Publish(body).status();  // refuses, saying why
  }
  absl::StatusOr<NetworkKeys> rotated = network_keys_.Rotate();
  if (!rotated.ok()) {
    return rotated.status();
  }
  // The new key is kept before any roster names it: a roster never lists
  // an epoch the admin directory lost.
  if (absl::Status s =
          WriteFileAtomically(dir_ / kNetworkKeysFile, rotated->Serialize(), kSecretFileMode);
      !s.ok()) {
    return s;
  }
  network_keys_ = *std::move(rotated);
  uint32_t epoch = network_keys_.CurrentEpoch();
  v1::KeyEpoch* e = body.add_key_epochs();
  e->set_epoch(epoch);
  e->set_created_unix(absl::ToUnixSeconds(absl::Now()));
  for (v1::RosterMember& m : *body.mutable_members()) {
    if (m.status() != v1::MEMBER_STATUS_REVOKED && !m.sealing_public_key().empty()) {
      absl::StatusOr<v1::SealedNetworkKey> sealed =
          SealNetworkKey(network_, m, epoch, network_keys_.Key(epoch));
      if (!sealed.ok()) {
        return sealed.status();
      }
      *m.add_network_keys() = *std::move(sealed);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Publication> AdminDir::RotateKey() {
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  v1::RosterBody body = roster_.body();
  if (absl::Status s = StartEpoch(body); !s.ok()) {
    return s;
  }
  return Publish(std::move(body));
}

absl::StatusOr<Publication> AdminDir::RefreshRoster(absl::Duration validity) {
  if (validity < absl::Hours(1) || validity > absl::Hours(24 * 3650)) {
    return absl::InvalidArgumentError("--valid-days: must be from 1 to 3650 days");
  }
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  return Publish(roster_.body(), validity);
}

absl::StatusOr<Publication> AdminDir::ChangeAdmins(const std::vector<std::string>& add,
                                                   const std::vector<std::string>& remove,
                                                   uint32_t threshold) {
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  v1::RosterBody body = roster_.body();
  std::vector<std::string> keys(body.admin_keys().begin(), body.admin_keys().end());
  for (const std::string& fp : remove) {
    auto it = std::find_if(keys.begin(), keys.end(),
                           [&](const std::string& k) { return KeyFingerprint(k) == fp; });
    if (it == keys.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--remove: no admin key has fingerprint ", fp,
                       " ('authnetctl network admins --dir DIR' lists them)"));
    }
    keys.erase(it);
  }
  for (const std::string& key : add) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--add: admin key ", KeyFingerprint(key), " is in the admin set already"));
    }
    keys.push_back(key);
  }
  body.clear_admin_keys();
  for (const std::string& key : keys) {
    body.add_admin_keys(key);
  }
  if (threshold != 0) {
    body.set_admin_threshold(threshold);
  }
  if (keys.empty() || body.admin_threshold() > keys.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the admin set would have ", Counted(keys.size(), "key"), " and threshold ",
                     body.admin_threshold(), ": the threshold must be 1 to the number of keys"));
  }
  return Publish(std::move(body));
}

absl::StatusOr<Publication> AdminDir::SignProposal() {
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  absl::StatusOr<std::string> data = ReadFile(dir_ / kRosterProposalFile);
  if (absl::IsNotFound(data.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("no roster waits for signatures in ", dir_.string(), " (no ",
                     kRosterProposalFile, "); the roster is version ", roster_.version()));
  }
  if (!data.ok()) {
    return data.status();
  }
  v1::SignedRoster proposal;
  v1::RosterBody body;
  if (!proposal.ParseFromString(*data) || !body.ParseFromString(proposal.body())) {
    return Broken(dir_, kRosterProposalFile, "is not a signed roster");
  }
  if (absl::Status s = Roster::ValidateBody(body); !s.ok()) {
    return Broken(dir_, kRosterProposalFile, s.message());
  }
  if (body.network() != network_ || body.version() != roster_.version() + 1) {
    return Broken(dir_, kRosterProposalFile,
                  absl::StrCat("is version ", body.version(), " of network \"", body.network(),
                               "\", not the next version (", roster_.version() + 1, ") of \"",
                               network_, "\"; delete it and make the change again"));
  }
  AdminSet current = roster_.admins();
  AdminSet next = AdminSet::Of(body);
  int added = 0;
  for (const crypto::Ed25519Key* key : Signers()) {
    if (!current.Contains(key->PublicKey()) && !next.Contains(key->PublicKey())) {
      continue;
    }
    absl::Status s = Roster::AddSignature(proposal, *key);
    if (s.ok()) {
      ++added;
    } else if (!absl::IsAlreadyExists(s)) {
      return s;
    }
  }
  if (added == 0) {
    return absl::FailedPreconditionError(
        "no admin key at hand may add a signature: each has signed it already, or is not in the "
        "roster's admin set");
  }
  return Finish(proposal);
}

absl::StatusOr<DirectoryLock> AdminDir::LockAndReload() {
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(dir_);
  if (!lock.ok()) {
    return lock.status();
  }
  // Another process may have changed the roster since Open: start from disk.
  absl::StatusOr<Roster> current = ReadRoster(dir_);
  if (!current.ok()) {
    return current.status();
  }
  absl::StatusOr<NetworkKeys> keys = ReadNetworkKeys(dir_);
  if (!keys.ok()) {
    return keys.status();
  }
  roster_ = *std::move(current);
  network_keys_ = *std::move(keys);
  return lock;
}

std::vector<v1::RosterMember> AdminDir::ListMembers() const {
  return {roster_.body().members().begin(), roster_.body().members().end()};
}

}  // namespace authnet
