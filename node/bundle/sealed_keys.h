#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/roster.h"
#include "node/core/network_keys.h"
#include "node/crypto/sealed_box.h"

namespace authnet {

// Network keys travel inside the signed roster, each epoch sealed to each
// active member's X25519 key (crypto::SealTo), bound to the network, the
// member and the epoch: a box moved to another member's entry or epoch does
// not open.

// SealNetworkKey seals epoch `epoch`'s key to `member`'s sealing key.
[[nodiscard]] absl::StatusOr<v1::SealedNetworkKey> SealNetworkKey(absl::string_view network,
                                                                  const v1::RosterMember& member,
                                                                  uint32_t epoch,
                                                                  const NetworkKey& key);

// OpenNetworkKeys opens every network key `roster` seals to member
// `member_id` with its sealing key. FAILED_PRECONDITION, naming the epoch,
// if the roster does not list the member, its sealing public key is not
// `sealing_key`'s, a box does not open, or an active member lacks the
// roster's newest epoch; never a partial set.
[[nodiscard]] absl::StatusOr<NetworkKeys> OpenNetworkKeys(const Roster& roster,
                                                          absl::string_view member_id,
                                                          const crypto::X25519Key& sealing_key);

// Ed25519PublicKeysFromPem reads every "PUBLIC KEY" block of `pem` (the
// admin.pub of a bundle: the network's admin keys), raw 32 bytes each;
// INVALID_ARGUMENT if there is none or one is not Ed25519.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> Ed25519PublicKeysFromPem(
    absl::string_view pem);

// AdminKeysPem writes `keys` (raw) as concatenated "PUBLIC KEY" PEM blocks.
[[nodiscard]] absl::StatusOr<std::string> AdminKeysPem(const std::vector<std::string>& keys);

// KeyFingerprint is the first 16 hex digits of SHA-256 of a raw public key:
// how commands name an admin key to people.
std::string KeyFingerprint(absl::string_view public_key);

}  // namespace authnet
