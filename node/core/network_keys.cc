#include "node/core/network_keys.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "node/core/hex.h"

namespace authnet {

absl::StatusOr<NetworkKeys> NetworkKeys::Parse(absl::string_view text) {
  std::map<uint32_t, NetworkKey> keys;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint32_t epoch = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &epoch) || epoch == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": expected \"EPOCH HEX64\" with EPOCH >= 1"));
    }
    std::optional<std::vector<uint8_t>> key = HexDecode(parts[1]);
    if (!key || key->size() != 32) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": key must be 64 hex digits"));
    }
    if (keys.contains(epoch)) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": epoch ", epoch, " appears twice"));
    }
    NetworkKey k;
    std::copy(key->begin(), key->end(), k.begin());
    keys.emplace(epoch, k);
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError("no keys");
  }
  return NetworkKeys(std::move(keys));
}

absl::StatusOr<NetworkKeys> NetworkKeys::Generate() {
  NetworkKey key;
  if (RAND_priv_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return absl::InternalError("generating a network key: OpenSSL's random generator failed");
  }
  return NetworkKeys({{1, key}});
}

absl::StatusOr<NetworkKeys> NetworkKeys::FromMap(std::map<uint32_t, NetworkKey> keys) {
  if (keys.empty()) {
    return absl::InvalidArgumentError("no network keys");
  }
  if (keys.begin()->first == 0) {
    return absl::InvalidArgumentError("network key epoch 0 is not valid");
  }
  return NetworkKeys(std::move(keys));
}

absl::StatusOr<NetworkKeys> NetworkKeys::Rotate() const {
  if (CurrentEpoch() == std::numeric_limits<uint32_t>::max()) {
    return absl::OutOfRangeError("no network key epoch is left");
  }
  NetworkKey key;
  if (RAND_priv_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return absl::InternalError("generating a network key: OpenSSL's random generator failed");
  }
  std::map<uint32_t, NetworkKey> keys = keys_;
  keys.emplace(CurrentEpoch() + 1, key);
  return NetworkKeys(std::move(keys));
}

std::vector<uint32_t> NetworkKeys::Epochs() const {
  std::vector<uint32_t> out;
  for (const auto& [epoch, key] : keys_) {
    out.push_back(epoch);
  }
  return out;
}

std::string NetworkKeys::Serialize() const {
  std::string out = "# authnet network keys: EPOCH HEX64 per line. Secret: keep mode 0600.\n";
  for (const auto& [epoch, key] : keys_) {
    absl::StrAppend(&out, epoch, " ", HexEncode(key), "\n");
  }
  return out;
}

}  // namespace authnet
