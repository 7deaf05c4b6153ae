#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "authnet/v1/enrollment.pb.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/directory_lock.h"
#include "node/bundle/roster.h"
#include "node/core/network_keys.h"
#include "node/crypto/certificate_authority.h"
#include "node/crypto/ed25519_key.h"

namespace authnet {

// kRosterValidity is how long a roster the admins sign stays valid: nodes
// report NOT_SERVING once it has expired (`authnetctl roster refresh`).
inline constexpr absl::Duration kRosterValidity = absl::Hours(24 * 365);

// AdminInit: how many admin keys `network init` makes, how many must sign
// each roster, and the passphrase that encrypts admin-N.key (none, or an
// empty one: unencrypted).
// MemberProfile is what the admins decide about a member beyond its keys:
// its trust weight, its role and, for a brand, its GS1 company prefixes
// (member_roles.h).
struct MemberProfile {
  double trust = 1.0;
  v1::MemberRole role = v1::MEMBER_ROLE_PLATFORM;
  std::vector<std::string> company_prefixes;
};

// MemberUpdate changes some of a member's profile; unset fields stay.
struct MemberUpdate {
  std::optional<double> trust;
  std::optional<v1::MemberRole> role;
  std::optional<std::vector<std::string>> company_prefixes;
};

struct AdminInit {
  int admins = 1;
  int threshold = 1;
  std::function<absl::StatusOr<std::string>(int index)> passphrase;
};

// PassphraseFn returns the passphrase of the encrypted admin key `file`.
using PassphraseFn = std::function<absl::StatusOr<std::string>(const std::filesystem::path& file)>;

// Publication is what a change that produces a roster did: roster.pb now
// holds `version` (complete), or roster.proposed.pb waits for more admin
// signatures (`authnetctl roster sign`).
struct Publication {
  uint64_t version = 0;
  bool complete = false;
  uint32_t signatures = 0;  // valid signatures from the current admin set
  uint32_t needed = 0;      // the current admin set's threshold
};

// AdminDir is a network admin's directory (`authnetctl network init`):
//   ca.crt              the network CA certificate (PEM)
//   ca.key              the CA private key (PEM, mode 0600)
//   admin-1.key ...     admin Ed25519 keys (PKCS#8 PEM, mode 0600, passphrase-
//                       encrypted or not), each meant for a different holder
//   network.keys        the network's HMAC keys by epoch (mode 0600)
//   roster.pb           the current signed roster (binary SignedRoster)
//   roster.proposed.pb  the next roster while it waits for signatures
// No file here holds a member's private key (except after the demo-only
// one-step AddMember, which writes the member's keys to its --out). Every
// file is replaced atomically; concurrent processes on one directory are
// serialized by an exclusive lock on `.lock` while a roster changes. Not
// thread-safe.
class AdminDir {
 public:
  // Init creates a new network in `dir` (created 0700 if missing): a CA,
  // `init.admins` admin keys, network key epoch 1, and roster version 1 with
  // no members, signed by every admin key. ALREADY_EXISTS if `dir` already
  // holds a network's files; INVALID_ARGUMENT for a bad network name or
  // admin count/threshold. On failure the files Init wrote are removed.
  [[nodiscard]] static absl::StatusOr<AdminDir> Init(const std::filesystem::path& dir,
                                                     absl::string_view network,
                                                     const AdminInit& init = {});

  // Open loads `dir` and cross-checks it: the CA key matches ca.crt, the
  // roster carries its admin set's signatures for the CA's network, secret
  // files are mode 0600. FAILED_PRECONDITION naming the file otherwise.
  // Unencrypted admin keys are at hand at once; LoadSigningKeys adds the
  // encrypted ones.
  [[nodiscard]] static absl::StatusOr<AdminDir> Open(const std::filesystem::path& dir);

  // LoadSigningKeys reads every admin-N.key in the directory that belongs to
  // the roster's admin set, decrypting encrypted ones with `passphrase`
  // (PERMISSION_DENIED naming the file for a wrong one; `encrypted` false:
  // skips them). Returns how many keys are at hand.
  [[nodiscard]] absl::StatusOr<int> LoadSigningKeys(const PassphraseFn& passphrase,
                                                    bool encrypted = true);
  // AddSigningKey adds a key held elsewhere (`roster sign --key FILE`).
  void AddSigningKey(crypto::Ed25519Key key) { signers_.push_back(std::move(key)); }

  // AddMember is the one-step enrollment for demos and the quickstart: it
  // generates member `id`'s keys into `out_dir` (empty or missing), enrolls
  // them and completes the bundle there. FAILED_PRECONDITION unless the
  // admin keys at hand can sign the roster alone. Errors as
  // AddMemberFromRequest.
  [[nodiscard]] absl::StatusOr<Publication> AddMember(absl::string_view id,
                                                      absl::string_view endpoint,
                                                      const MemberProfile& profile,
                                                      const std::filesystem::path& out_dir);

  // AddMemberFromRequest enrolls member `id` from its verified request
  // (enrollment.h): issues its certificate from the request's CSR, adds an
  // ACTIVE roster entry with its signing and sealing keys and every network
  // key epoch sealed to it, publishes the next roster and writes to `out_dir`
  // (empty or missing) only public material: node.crt, ca.crt, admin.pub
  // and, once complete, roster.pb. INVALID_ARGUMENT naming the field for a
  // bad request, trust, or an id or network other than the request's;
  // ALREADY_EXISTS if `id` is in the roster.
  [[nodiscard]] absl::StatusOr<Publication> AddMemberFromRequest(
      absl::string_view id, const v1::EnrollRequest& request, const MemberProfile& profile,
      const std::filesystem::path& out_dir);

  // UpdateMember publishes the next roster with `id`'s profile changed as
  // `update` says. A member that stops being a brand loses its prefixes;
  // prefixes need the brand role. INVALID_ARGUMENT for a bad trust, a
  // prefix another brand holds or nests with, or an update that changes
  // nothing; NOT_FOUND for an unknown id; FAILED_PRECONDITION for a revoked
  // member.
  [[nodiscard]] absl::StatusOr<Publication> UpdateMember(absl::string_view id,
                                                         const MemberUpdate& update);

  // RevokeMember marks `id` revoked in the next roster and, with `rotate`,
  // starts a new network key epoch sealed to every other active member
  // only. nullopt when `id` was already revoked (nothing changes);
  // NOT_FOUND for an id not in the roster.
  [[nodiscard]] absl::StatusOr<std::optional<Publication>> RevokeMember(absl::string_view id,
                                                                        bool rotate);

  // RenewMember issues member `id` a new certificate for the key in its
  // renewal request, which must be signed by the member's enrolled signing
  // key (a renewal never replaces it: its records must stay verifiable); a
  // new sealing key is taken and every epoch re-sealed to it. The roster
  // keeps accepting the previous certificate until the next renewal, unless
  // `revoke_previous`. Writes node.crt, ca.crt, admin.pub and roster.pb to
  // `out_dir` as AddMemberFromRequest does.
  [[nodiscard]] absl::StatusOr<Publication> RenewMember(absl::string_view id,
                                                        const v1::EnrollRequest& request,
                                                        const std::filesystem::path& out_dir,
                                                        bool revoke_previous);

  // RotateKey starts network key epoch N+1, sealed to every member not
  // revoked.
  [[nodiscard]] absl::StatusOr<Publication> RotateKey();

  // RefreshRoster signs the roster again as the next version, expiring
  // `validity` from now (1 hour to 10 years).
  [[nodiscard]] absl::StatusOr<Publication> RefreshRoster(absl::Duration validity);

  // ChangeAdmins proposes the next roster with `add` (raw public keys)
  // added to the admin set, `remove` (fingerprints, sealed_keys.h
  // KeyFingerprint) removed and the threshold set to `threshold` (0: keep).
  // It needs the current set's threshold and the new set's.
  [[nodiscard]] absl::StatusOr<Publication> ChangeAdmins(const std::vector<std::string>& add,
                                                         const std::vector<std::string>& remove,
                                                         uint32_t threshold);

  // SignProposal adds the signatures of the keys at hand to the waiting
  // roster and completes it once it has enough. FAILED_PRECONDITION if no
  // roster waits, or no key at hand may sign it.
  [[nodiscard]] absl::StatusOr<Publication> SignProposal();

  // ListMembers returns the roster's members in roster order.
  std::vector<v1::RosterMember> ListMembers() const;

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& network() const { return network_; }
  const Roster& roster() const { return roster_; }
  const crypto::CertificateAuthority& ca() const { return ca_; }
  // admin_public_key is the first admin key (raw, 32 bytes).
  std::string admin_public_key() const { return roster_.admins().keys.front(); }
  // NextAdminKeyFile is the first admin-N.key name not yet in the directory.
  std::filesystem::path NextAdminKeyFile() const;

 private:
  // LockAndReload takes the admin directory's lock and re-reads roster.pb
  // (and network.keys) so concurrent authnetctl runs never lose each
  // other's changes. Hold the returned lock until the new roster is written.
  [[nodiscard]] absl::StatusOr<DirectoryLock> LockAndReload();
  // Publish signs `body` as the next roster version, valid for `validity`,
  // with the keys at hand: roster.pb if that is enough, roster.proposed.pb
  // otherwise. Hold the lock.
  [[nodiscard]] absl::StatusOr<Publication> Publish(v1::RosterBody body,
                                                    absl::Duration validity = kRosterValidity);
  // Finish writes a roster with enough signatures as roster.pb, or one
  // without as roster.proposed.pb. Hold the lock.
  [[nodiscard]] absl::StatusOr<Publication> Finish(const v1::SignedRoster& signed_roster);
  // Enroll is AddMemberFromRequest; `into_bundle`: `out_dir` is the bundle
  // AddMember just generated the member's keys into (else it must be new or
  // empty).
  [[nodiscard]] absl::StatusOr<Publication> Enroll(absl::string_view id,
                                                   const v1::EnrollRequest& request,
                                                   const MemberProfile& profile,
                                                   const std::filesystem::path& out_dir,
                                                   bool into_bundle);
  // WriteEnrollment writes ENROLL_DIR's public files but the roster:
  // admin.pub, ca.crt and the member's node.crt.
  [[nodiscard]] absl::Status WriteEnrollment(const std::filesystem::path& out_dir,
                                             const std::string& cert_pem, bool new_dir) const;
  // PublishEnrollment publishes `body` and, once complete, copies the
  // roster to `out_dir`. Hold the lock.
  [[nodiscard]] absl::StatusOr<Publication> PublishEnrollment(v1::RosterBody body,
                                                              const std::filesystem::path& out_dir);
  // StartEpoch adds network key epoch N+1 to network.keys (persisted first)
  // and to `body`, sealed to every member not revoked. Hold the lock.
  [[nodiscard]] absl::Status StartEpoch(v1::RosterBody& body);
  // SealAll seals every epoch of network.keys the roster lists to `member`.
  [[nodiscard]] absl::Status SealAll(v1::RosterMember& member, const v1::RosterBody& body) const;
  std::vector<const crypto::Ed25519Key*> Signers() const;

  AdminDir(std::filesystem::path dir, std::string network, crypto::CertificateAuthority ca,
           NetworkKeys network_keys, Roster roster)
      : dir_(std::move(dir)),
        network_(std::move(network)),
        ca_(std::move(ca)),
        network_keys_(std::move(network_keys)),
        roster_(std::move(roster)) {}

  std::filesystem::path dir_;
  std::string network_;
  crypto::CertificateAuthority ca_;
  NetworkKeys network_keys_;
  Roster roster_;
  std::vector<crypto::Ed25519Key> signers_;
};

}  // namespace authnet
