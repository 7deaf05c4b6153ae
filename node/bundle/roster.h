#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/records.pb.h"
#include "node/core/member_id.h"  // IsValidMemberId, IsValidNetworkName
#include "node/crypto/ed25519_key.h"

namespace authnet {

// AdminSet is who may sign the next roster: raw Ed25519 public keys and how
// many of them must sign.
struct AdminSet {
  std::vector<std::string> keys;
  uint32_t threshold = 1;

  // Of returns the admin set a roster body names.
  static AdminSet Of(const v1::RosterBody& body);
  bool Contains(absl::string_view key) const;
  bool operator==(const AdminSet&) const = default;
};

// Roster is a roster whose admin signatures have been verified: the only
// form in which the rest of the node sees one. Immutable; thread-safe.
class Roster {
 public:
  // Verify parses `signed_roster`'s body and checks its signatures (Ed25519
  // over "authnet/v1/roster\0" + body): at least `trusted.threshold` distinct
  // keys of `trusted` (the admin set of the roster the verifier holds) and
  // at least the body's own admin_threshold of its own admin_keys must have
  // signed (TUF-style: an admin set is replaced by a threshold of the old
  // and a threshold of the new). Signatures by keys outside both sets, or
  // that do not verify, are ignored but never counted. Fails with
  // INVALID_ARGUMENT on too few valid signatures (saying how many of how
  // many), an unparsable body, a network name other than `network`, or a
  // malformed body.
  [[nodiscard]] static absl::StatusOr<Roster> Verify(const v1::SignedRoster& signed_roster,
                                                     const AdminSet& trusted,
                                                     absl::string_view network);
  // Verify with a single trusted admin key (threshold 1).
  [[nodiscard]] static absl::StatusOr<Roster> Verify(const v1::SignedRoster& signed_roster,
                                                     absl::string_view admin_public_key,
                                                     absl::string_view network);
  // VerifySelf verifies a roster against its own admin set: for a roster
  // this node adopted before (its data directory) or one whose admin set
  // was checked out of band (a bundle's, against admin.pub).
  [[nodiscard]] static absl::StatusOr<Roster> VerifySelf(const v1::SignedRoster& signed_roster,
                                                         absl::string_view network);

  // Sign serializes `body` and signs it with each of `admin_keys` (any
  // number, even none: a proposal others sign later with AddSignature).
  // Fails with INVALID_ARGUMENT, like Verify, if `body` is malformed: an
  // admin never signs a roster that nodes would refuse.
  [[nodiscard]] static absl::StatusOr<v1::SignedRoster> Sign(
      const v1::RosterBody& body, const std::vector<const crypto::Ed25519Key*>& admin_keys);
  [[nodiscard]] static absl::StatusOr<v1::SignedRoster> Sign(const v1::RosterBody& body,
                                                             const crypto::Ed25519Key& admin_key);
  // AddSignature adds `admin_key`'s signature over `signed_roster`'s body;
  // ALREADY_EXISTS if that key signed it already.
  [[nodiscard]] static absl::Status AddSignature(v1::SignedRoster& signed_roster,
                                                 const crypto::Ed25519Key& admin_key);
  // CountSignatures returns how many distinct keys of `admins` made a valid
  // signature in `signed_roster`.
  static uint32_t CountSignatures(const v1::SignedRoster& signed_roster, const AdminSet& admins);

  // ValidateBody checks the network name, version >= 1, the admin set (1 to
  // 32 distinct 32-byte keys, 1 <= threshold <= their number), the key
  // epochs (distinct, >= 1, ascending) and every member entry: valid and
  // unique ids, a status, trust_milli <= 1000, a 32-byte cert_sha256 and
  // signing_public_key, an empty or 32-byte sealing_public_key, sealed
  // network keys only for listed epochs and only with a sealing key, and a
  // HOST:PORT endpoint. Fails with INVALID_ARGUMENT naming the member and
  // field.
  [[nodiscard]] static absl::Status ValidateBody(const v1::RosterBody& body);

  uint64_t version() const { return body_.version(); }
  AdminSet admins() const { return AdminSet::Of(body_); }
  // NewestEpoch is the highest network key epoch the roster lists (0: none).
  uint32_t NewestEpoch() const;
  const std::string& network() const { return body_.network(); }
  const v1::RosterBody& body() const { return body_; }
  const v1::SignedRoster& signed_roster() const { return signed_; }

  // Expired: the roster carries an expiry and `now_unix` is past it.
  bool Expired(int64_t now_unix) const {
    return body_.expires_unix() != 0 && now_unix > body_.expires_unix();
  }

  // Find returns the member entry for `id`, or nullptr.
  const v1::RosterMember* Find(absl::string_view id) const;

 private:
  Roster(v1::SignedRoster signed_roster, v1::RosterBody body)
      : signed_(std::move(signed_roster)), body_(std::move(body)) {}

  v1::SignedRoster signed_;
  v1::RosterBody body_;
};

// DescribeChange lists, one line each, what roster `after` changes from
// `before`: members added, removed, with another status, trust, endpoint,
// certificate, signing or sealing key; network key epochs added; the admin
// set and threshold; the expiry. What an admin reads before signing.
std::vector<std::string> DescribeChange(const v1::RosterBody& before, const v1::RosterBody& after);

// AdminSetFingerprint names an admin set and its threshold in 16 hex
// digits (SHA-256 over the threshold and the sorted keys): what the admins
// publish and a member compares before trusting the roster it installs.
std::string AdminSetFingerprint(const AdminSet& admins);

// IsEnrolledCertificate: `cert_sha256` (of a DER certificate) is `member`'s
// enrolled certificate, or the one it had before its last renewal.
bool IsEnrolledCertificate(const v1::RosterMember& member, absl::string_view cert_sha256);

}  // namespace authnet
