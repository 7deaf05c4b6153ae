#include "node/core/text_normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace authnet {
namespace {

constexpr size_t kMaxRawNameBytes = 512;
constexpr size_t kMaxNameBytes = 128;

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

absl::string_view TrimAscii(absl::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsAsciiSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// CheckCodePoints refuses what a name may not contain: ill-formed UTF-8,
// controls other than white space, unassigned, private-use and
// noncharacter code points. Sets `ascii` when every byte is ASCII.
absl::Status CheckCodePoints(absl::string_view field, absl::string_view raw, bool* ascii) {
  *ascii = true;
  const auto* s = reinterpret_cast<const uint8_t*>(raw.data());
  int32_t length = static_cast<int32_t>(raw.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) {
      return Invalid(field, "is not valid UTF-8");
    }
    *ascii = *ascii && c < 0x80;
    int8_t category = u_charType(c);
    if (category == U_CONTROL_CHAR && !u_isUWhiteSpace(c)) {
      return Invalid(field, "contains a control character");
    }
    if (category == U_UNASSIGNED || category == U_PRIVATE_USE_CHAR || U_IS_UNICODE_NONCHAR(c)) {
      return Invalid(field, absl::StrCat("contains U+", absl::StrFormat("%04X", c),
                                         ", which is unassigned, private-use or a noncharacter"));
    }
  }
  return absl::OkStatus();
}

// CollapseSpace trims `text` and turns each run of white space into one
// ASCII space.
std::string CollapseSpace(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  bool space = false;
  for (int32_t i = 0; i < length;) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (u_isUWhiteSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.append(text.data() + start, static_cast<size_t>(i - start));
  }
  return out;
}

// FoldAscii is NFKC_Casefold and CollapseSpace for ASCII input, which
// needs neither: only A-Z change.
std::string FoldAscii(absl::string_view text) {
  std::string out = CollapseSpace(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

absl::StatusOr<std::string> FoldUnicode(absl::string_view field, absl::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) {
    return absl::InternalError(
        absl::StrCat(field, ": ICU has no NFKC_Casefold data (", u_errorName(status), ")"));
  }
  std::string folded;
  icu::StringByteSink<std::string> sink(&folded);
  nfkc_cf->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), sink,
                         nullptr, status);
  if (U_FAILURE(status)) {
    return Invalid(field, absl::StrCat("cannot be normalized (", u_errorName(status), ")"));
  }
  return CollapseSpace(folded);
}

}  // namespace

bool IsGs1Cset82(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
    return true;
  }
  static constexpr absl::string_view kPunctuation = "!\"%&'()*+,-./:;<=>?_";
  return kPunctuation.find(c) != absl::string_view::npos;
}

absl::StatusOr<std::string> NormalizeName(absl::string_view field, absl::string_view raw) {
  if (raw.size() > kMaxRawNameBytes) {
    return Invalid(
        field, absl::StrCat("is ", raw.size(), " bytes, at most ", kMaxRawNameBytes, " allowed"));
  }
  bool ascii = false;
  if (absl::Status st = CheckCodePoints(field, raw, &ascii); !st.ok()) {
    return st;
  }
  absl::StatusOr<std::string> out = ascii ? FoldAscii(raw) : FoldUnicode(field, raw);
  if (!out.ok()) {
    return out.status();
  }
  if (out->empty()) {
    return Invalid(field, "is empty");
  }
  if (out->size() > kMaxNameBytes) {
    return Invalid(field, absl::StrCat("is ", out->size(), " bytes once normalized, at most ",
                                       kMaxNameBytes, " allowed"));
  }
  return out;
}

absl::StatusOr<std::string> NormalizeGs1Text(absl::string_view field, absl::string_view ai,
                                             absl::string_view raw) {
  absl::string_view text = TrimAscii(raw);
  if (text.empty()) {
    return Invalid(field, "is empty");
  }
  for (char c : text) {
    if (!IsGs1Cset82(c)) {
      return Invalid(field, absl::StrCat("contains a character outside the GS1 character set "
                                         "of AI (",
                                         ai, "): letters, digits and !\"%&'()*+,-./:;<=>?_"));
    }
  }
  if (text.size() > kMaxGs1TextChars) {
    return Invalid(field, absl::StrCat("is ", text.size(), " characters, at most ",
                                       kMaxGs1TextChars, " allowed (GS1 AI (", ai, "))"));
  }
  return std::string(text);
}

}  // namespace authnet
