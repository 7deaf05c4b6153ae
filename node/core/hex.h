#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace authnet {

// HexEncode returns the lower-case hex form of `bytes`.
std::string HexEncode(std::span<const uint8_t> bytes);
std::string HexEncode(absl::string_view bytes);

// HexDecode parses hex (either case); nullopt if `hex` has odd length or a
// non-hex character.
std::optional<std::vector<uint8_t>> HexDecode(absl::string_view hex);

// ShortHex returns the first 8 hex digits of `bytes`: how digests appear in logs.
std::string ShortHex(absl::string_view bytes);

}  // namespace authnet
