#include "node/core/gs1_ais.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace authnet {
namespace {

// From the GS1 General Specifications §3.2. No code is a prefix of another.
// clang-format off
constexpr Gs1AiSpec kAis[] = {
    {"00", "00", 18, 18, 18, "SSCC"},           {"01", "01", 14, 14, 14, "GTIN"},
    {"02", "02", 14, 14, 14, "content GTIN"},   {"10", "10", 1, 20, 0, "lot"},
    {"11", "11", 6, 6, 6, "production date"},   {"12", "13", 6, 6, 6, "date"},
    {"15", "17", 6, 6, 6, "date"},              {"20", "20", 2, 2, 2, "variant"},
    {"21", "21", 1, 20, 0, "serial"},           {"22", "22", 1, 20, 0, "product variant"},
    {"240", "241", 1, 30, 0, "product reference"},
    {"250", "251", 1, 30, 0, "secondary serial or source reference"},
    {"30", "30", 1, 8, 8, "count"},
    {"3100", "3695", 6, 6, 6, "measure"},       // Not all of them: see LookUpAi.
    {"37", "37", 1, 8, 8, "count of trade items"},
    {"400", "401", 1, 30, 0, "order or consignment number"},
    {"403", "403", 1, 30, 0, "routing code"},   {"410", "417", 13, 13, 13, "GLN"},
    {"420", "420", 1, 20, 0, "postal code"},    {"421", "421", 4, 12, 3, "postal code"},
    {"422", "422", 3, 3, 3, "country"},         {"423", "423", 3, 15, 15, "countries"},
    {"424", "424", 3, 3, 3, "country"},         {"425", "425", 3, 15, 15, "countries"},
    {"426", "426", 3, 3, 3, "country"},         {"427", "427", 1, 3, 0, "country subdivision"},
    {"7003", "7003", 10, 10, 10, "expiry date and time"},
    {"8200", "8200", 1, 70, 0, "product URL"},  {"90", "90", 1, 30, 0, "mutually agreed data"},
    {"91", "99", 1, 90, 0, "company internal data"},
};
// clang-format on

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

}  // namespace

const Gs1AiSpec* LookUpGs1Ai(absl::string_view code) {
  if (code.size() < 2 || code.size() > 4 || !AllDigits(code)) {
    return nullptr;
  }
  for (const Gs1AiSpec& spec : kAis) {
    if (spec.lo.size() == code.size() && spec.lo[0] <= code[0] && spec.lo <= code &&
        code <= spec.hi) {
      // Measures are 310n-316n, 320n-329n, 330n-337n, 340n-349n, 350n-357n,
      // 360n-369n, n (the decimal places) 0..5.
      bool measure = code[0] == '3' && code.size() == 4;
      bool known = !measure || (code[2] <= "697979"[code[1] - '1'] && code[3] <= '5');
      return known ? &spec : nullptr;
    }
  }
  return nullptr;
}

bool IsGs1PredefinedLength(absl::string_view code) {
  int p = (code[0] - '0') * 10 + (code[1] - '0');
  return p <= 4 || (p >= 11 && p <= 20) || (p >= 31 && p <= 36) || p == 41;
}

}  // namespace authnet
