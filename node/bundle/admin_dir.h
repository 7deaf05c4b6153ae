#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/directory_lock.h"
#include "node/bundle/roster.h"
#include "node/core/network_keys.h"
#include "node/crypto/certificate_authority.h"
#include "node/crypto/ed25519_key.h"

namespace authnet {

// AdminDir is the network admin's directory, the root of trust of one
// network (`authnetctl network init` makes it):
//   ca.crt        the network CA certificate (PEM)
//   ca.key        the CA private key (PEM, mode 0600)
//   admin.key     the Ed25519 key that signs rosters (PEM, mode 0600)
//   admin.pub     its public key (PEM)
//   network.keys  the network's HMAC keys (mode 0600)
//   roster.pb     the current signed roster (binary SignedRoster)
// Every file is replaced atomically. Not thread-safe; concurrent processes
// on one directory are serialized by an exclusive lock on `.lock` while a
// member is added.
//
//   absl::StatusOr<AdminDir> admin = AdminDir::Init("/srv/authnet-admin", "acme-net");
//   admin->AddMember("shop-a", "shop-a.example:7443", 1.0, "/tmp/shop-a-bundle");
// kRosterValidity is how long a roster the admin signs stays valid: nodes
// report NOT_SERVING once it has expired (`authnetctl roster refresh`).
inline constexpr absl::Duration kRosterValidity = absl::Hours(24 * 365);

class AdminDir {
 public:
  // Init creates a new network in `dir` (created 0700 if missing): a CA, an
  // admin key, network keys, and roster version 1 with no members.
  // ALREADY_EXISTS if `dir` already holds a network's files (keys are never
  // overwritten); INVALID_ARGUMENT for a bad network name. On failure the
  // files Init wrote are removed again.
  [[nodiscard]] static absl::StatusOr<AdminDir> Init(const std::filesystem::path& dir,
                                                     absl::string_view network);

  // Open loads `dir` and cross-checks it: the CA key matches ca.crt, admin.pub
  // matches admin.key, the roster verifies under it for the CA's network, and
  // secret files are mode 0600. FAILED_PRECONDITION naming the file otherwise.
  [[nodiscard]] static absl::StatusOr<AdminDir> Open(const std::filesystem::path& dir);

  // AddMember enrolls member `id` (peer listener at `endpoint`, HOST:PORT,
  // trust weight `trust` in 0..1) and writes its bundle (see member_bundle.h)
  // into `out_dir`, created 0700 if missing. The roster gains an ACTIVE entry
  // and version + 1, and is persisted only once the bundle is complete, so a
  // failure leaves the roster as it was. INVALID_ARGUMENT naming the field
  // for a bad id, endpoint or trust; ALREADY_EXISTS if `id` is in the roster;
  // FAILED_PRECONDITION if `out_dir` is not an empty or missing directory.
  // Returns the new roster entry.
  [[nodiscard]] absl::StatusOr<v1::RosterMember> AddMember(absl::string_view id,
                                                           absl::string_view endpoint, double trust,
                                                           const std::filesystem::path& out_dir);

  // RevokeMember marks `id` revoked in a new roster version, signs and
  // persists it. Returns true when it did, false when `id` was already
  // revoked (nothing changes). NOT_FOUND for an id not in the roster. Nodes
  // learn of it once the roster is pushed to one of them.
  [[nodiscard]] absl::StatusOr<bool> RevokeMember(absl::string_view id);

  // RenewMember issues member `id` a new TLS certificate and key and writes
  // them, with the new roster, into `bundle_dir`, which must be that
  // member's bundle (its signing key stays). The roster gains version + 1 and
  // the new certificate's fingerprint, and keeps accepting the previous one
  // until the next renewal, so peers keep working while the node picks up
  // the new files (it watches them; no restart). FAILED_PRECONDITION if
  // `bundle_dir` is not `id`'s bundle or `id` is revoked; NOT_FOUND for an id
  // not in the roster. Returns the new roster entry.
  [[nodiscard]] absl::StatusOr<v1::RosterMember> RenewMember(
      absl::string_view id, const std::filesystem::path& bundle_dir);

  // RefreshRoster signs the roster again as version + 1, expiring
  // `validity` from now (1 hour to 10 years). Returns the new version.
  [[nodiscard]] absl::StatusOr<uint64_t> RefreshRoster(absl::Duration validity);

  // ListMembers returns the roster's members in roster order.
  std::vector<v1::RosterMember> ListMembers() const;

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& network() const { return network_; }
  const Roster& roster() const { return roster_; }
  const crypto::CertificateAuthority& ca() const { return ca_; }
  // admin_public_key is raw, 32 bytes.
  std::string admin_public_key() const { return admin_key_.PublicKey(); }

 private:
  // LockAndReload takes the admin directory's lock and re-reads roster.pb
  // into roster_, so concurrent authnetctl runs never lose each other's
  // changes. Hold the returned lock until the new roster is written.
  [[nodiscard]] absl::StatusOr<DirectoryLock> LockAndReload();
  // AdoptRoster writes a freshly signed roster (`bytes`) to roster.pb and
  // makes it current. Hold the lock.
  [[nodiscard]] absl::Status AdoptRoster(Roster roster, absl::string_view bytes);
  // PublishNext signs `body` as the next roster version, valid for
  // `validity`, and adopts it. Hold the lock.
  [[nodiscard]] absl::Status PublishNext(v1::RosterBody body, absl::Duration validity);

  AdminDir(std::filesystem::path dir, std::string network, crypto::CertificateAuthority ca,
           crypto::Ed25519Key admin_key, std::string admin_pub_pem, NetworkKeys network_keys,
           Roster roster)
      : dir_(std::move(dir)),
        network_(std::move(network)),
        ca_(std::move(ca)),
        admin_key_(std::move(admin_key)),
        admin_pub_pem_(std::move(admin_pub_pem)),
        network_keys_(std::move(network_keys)),
        roster_(std::move(roster)) {}

  std::filesystem::path dir_;
  std::string network_;
  crypto::CertificateAuthority ca_;
  crypto::Ed25519Key admin_key_;
  std::string admin_pub_pem_;
  NetworkKeys network_keys_;
  Roster roster_;
};

}  // namespace authnet
