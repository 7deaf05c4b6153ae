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

// Roster is a roster whose admin signature has been verified: the only form
// in which the rest of the node sees one. Immutable; thread-safe.
class Roster {
 public:
  // Verify checks `signed_roster`'s Ed25519 signature by `admin_public_key`
  // (raw, 32 bytes) over "authnet/v1/roster\0" + body, then parses the body.
  // Fails with INVALID_ARGUMENT on a bad signature, an unparsable body, a
  // network name other than `network`, or a malformed member entry.
  [[nodiscard]] static absl::StatusOr<Roster> Verify(const v1::SignedRoster& signed_roster,
                                                     absl::string_view admin_public_key,
                                                     absl::string_view network);

  // Sign serializes `body` and signs it with the admin key.
  // Fails with INVALID_ARGUMENT, like Verify, if `body` is malformed: an admin
  // never signs a roster that nodes would refuse.
  [[nodiscard]] static absl::StatusOr<v1::SignedRoster> Sign(const v1::RosterBody& body,
                                                             const crypto::Ed25519Key& admin_key);

  // ValidateBody checks the network name, version >= 1 and every member
  // entry: valid and unique ids, a status, trust_milli <= 1000, a 32-byte
  // cert_sha256 and signing_public_key, and a HOST:PORT endpoint. Fails with
  // INVALID_ARGUMENT naming the member and field.
  [[nodiscard]] static absl::Status ValidateBody(const v1::RosterBody& body);

  uint64_t version() const { return body_.version(); }
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

// IsEnrolledCertificate: `cert_sha256` (of a DER certificate) is `member`'s
// enrolled certificate, or the one it had before its last renewal.
bool IsEnrolledCertificate(const v1::RosterMember& member, absl::string_view cert_sha256);

}  // namespace authnet
