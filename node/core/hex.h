#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace authnet {

// HexEncode returns the lower-case hex form of `bytes`.
std::string HexEncode(std::span<const uint8_t> bytes);
std::string HexEncode(std::string_view bytes);

// HexDecode parses hex (either case); nullopt if `hex` has odd length or a
// non-hex character.
std::optional<std::vector<uint8_t>> HexDecode(std::string_view hex);

// ShortHex returns the first 8 hex digits of `bytes`: how digests appear in logs.
std::string ShortHex(std::string_view bytes);

}  // namespace authnet
