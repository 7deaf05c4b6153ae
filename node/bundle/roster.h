#pragma once

#include "absl/strings/string_view.h"
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "authnet/v1/records.pb.h"
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
  [[nodiscard]] static absl::StatusOr<v1::SignedRoster> Sign(const v1::RosterBody& body,
                                                             const crypto::Ed25519Key& admin_key);

  uint64_t version() const { return body_.version(); }
  const std::string& network() const { return body_.network(); }
  const v1::RosterBody& body() const { return body_; }
  const v1::SignedRoster& signed_roster() const { return signed_; }

  // Find returns the member entry for `id`, or nullptr.
  const v1::RosterMember* Find(absl::string_view id) const;

 private:
  Roster(v1::SignedRoster signed_roster, v1::RosterBody body)
      : signed_(std::move(signed_roster)), body_(std::move(body)) {}

  v1::SignedRoster signed_;
  v1::RosterBody body_;
};

// IsValidMemberId reports whether `id` matches [a-z0-9][a-z0-9-]{2,31}.
bool IsValidMemberId(absl::string_view id);

// IsValidNetworkName: the same rule as member ids.
bool IsValidNetworkName(absl::string_view name);

}  // namespace authnet
