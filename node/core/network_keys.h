#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet {

// NetworkKey is one 32-byte network secret.
using NetworkKey = std::array<uint8_t, 32>;

// NetworkKeys holds the network's HMAC secrets by epoch. Its text form, the
// `network.keys` file of an admin directory or member bundle, is one
// "EPOCH HEX64" line per key; '#' starts a comment. Immutable; thread-safe.
class NetworkKeys {
 public:
  // Parse reads the text form. Fails with INVALID_ARGUMENT naming the line.
  [[nodiscard]] static absl::StatusOr<NetworkKeys> Parse(absl::string_view text);
  // Generate makes epoch 1 from OpenSSL's CSPRNG.
  [[nodiscard]] static absl::StatusOr<NetworkKeys> Generate();
  // FromMap holds `keys` (epoch >= 1 -> key); INVALID_ARGUMENT if empty or
  // an epoch is 0.
  [[nodiscard]] static absl::StatusOr<NetworkKeys> FromMap(std::map<uint32_t, NetworkKey> keys);
  // Rotate returns these keys and a fresh epoch CurrentEpoch() + 1.
  [[nodiscard]] absl::StatusOr<NetworkKeys> Rotate() const;

  std::string Serialize() const;
  // CurrentEpoch is the highest epoch held; new digests use it.
  uint32_t CurrentEpoch() const { return keys_.rbegin()->first; }
  const NetworkKey& Key(uint32_t epoch) const { return keys_.at(epoch); }
  bool Has(uint32_t epoch) const { return keys_.contains(epoch); }
  // Epochs lists the epochs held, ascending.
  std::vector<uint32_t> Epochs() const;
  const std::map<uint32_t, NetworkKey>& map() const { return keys_; }

 private:
  explicit NetworkKeys(std::map<uint32_t, NetworkKey> keys) : keys_(std::move(keys)) {}
  std::map<uint32_t, NetworkKey> keys_;  // never empty
};

}  // namespace authnet
