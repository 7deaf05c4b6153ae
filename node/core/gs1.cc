#include "node/core/gs1.h"

#include <algorithm>
#include <initializer_list>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "node/core/gs1_ais.h"
#include "node/core/text_normalizer.h"

namespace authnet {
namespace {

constexpr size_t kMaxInputBytes = 512;

// Err returns INVALID_ARGUMENT "gs1: (code) what..." ("gs1: what..." without
// a code). Callers never pass a serial or lot value.
template <typename... Parts>
absl::Status Err(absl::string_view code, const Parts&... what) {
  return absl::InvalidArgumentError(
      absl::StrCat("gs1: ", code.empty() ? "" : absl::StrCat("(", code, ") "), what...));
}

// UnknownAi names at most four digits: enough to recognise an AI, too few
// to carry an identifier.
absl::Status UnknownAi(absl::string_view digits) {
  return Err("", "unknown AI (", digits.substr(0, 4), digits.size() > 4 ? "...)" : ")");
}

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// PrefixLength returns the length of the first of `options` that `s` starts
// with, or 0.
size_t PrefixLength(absl::string_view s, std::initializer_list<absl::string_view> options) {
  for (absl::string_view option : options) {
    if (absl::StartsWith(s, option)) {
      return option.size();
    }
  }
  return 0;
}

// SeparatorLength: GS, and what keyboard-wedge scanners type for it.
size_t SeparatorLength(absl::string_view s) {
  return PrefixLength(s, {"\x1d", "\xe2\x90\x9d", "<GS>", "{GS}", "[GS]", "^]"});
}

// CheckForm validates `value` of AI `code` against its spec. `raw` adds the
// likely cause to the error for an over-long variable-length value.
absl::Status CheckForm(absl::string_view code, const Gs1AiSpec& spec, absl::string_view value,
                       bool raw) {
  bool numeric = spec.digits == spec.max_len;
  absl::string_view unit = numeric ? " digits" : " characters";
  if (spec.min_len == spec.max_len && !value.empty() && value.size() != spec.max_len) {
    return Err(code, spec.name, " must be ", spec.max_len, unit, ", got ", value.size());
  }
  if (value.size() > spec.max_len) {
    bool hint = raw && !IsGs1PredefinedLength(code);
    return Err(code, spec.name, " longer than ", spec.max_len, unit,
               hint ? " (a missing GS separator after it?)" : "");
  }
  if (value.size() < spec.min_len) {
    return value.empty() ? Err(code, spec.name, " is empty")
                         : Err(code, spec.name, " shorter than ", spec.min_len, unit);
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (i < spec.digits && !absl::ascii_isdigit(value[i])) {
      return numeric ? Err(code, spec.name, " must be digits")
                     : Err(code, spec.name, " must start with ", spec.digits, " digits");
    }
    if (!IsGs1Cset82(value[i])) {
      return Err(code, spec.name, " contains a character outside the GS1 character set");
    }
  }
  if (absl::StrContains(value, "<GS>")) {
    return Err(code, spec.name, " contains \"<GS>\", which scanners send for a separator");
  }
  return absl::OkStatus();
}

// CheckGtin verifies the GS1 mod-10 check digit of a 14-digit GTIN.
absl::Status CheckGtin(absl::string_view gtin) {
  if (gtin == "00000000000000") {
    return Err("01", "all zeros is not a GTIN");
  }
  int sum = 0;
  for (int i = 0; i < 13; ++i) {
    sum += (gtin[i] - '0') * (i % 2 == 0 ? 3 : 1);
  }
  int expected = (10 - sum % 10) % 10;
  int actual = gtin[13] - '0';
  if (actual != expected) {
    return Err("01", "check digit is ", actual, ", expected ", expected);
  }
  return absl::OkStatus();
}

// ParseDate reads YYMMDD (six digits: CheckForm has passed), the century by
// the §7.12 sliding window around `current_year`, day 00 as the last day.
absl::StatusOr<Gs1Date> ParseDate(absl::string_view code, absl::string_view yymmdd,
                                  int current_year) {
  auto two = [&](size_t at) { return (yymmdd[at] - '0') * 10 + (yymmdd[at + 1] - '0'); };
  int diff = two(0) - current_year % 100;
  int century = current_year - current_year % 100 + (diff >= 51 ? -100 : diff <= -50 ? 100 : 0);
  int year = century + two(0);
  int month = two(2);
  int day = two(4);
  if (month < 1 || month > 12) {
    return Err(code, yymmdd, " is not a valid date");
  }
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int last_day = month == 2 ? (leap ? 29 : 28) : "\37\34\37\36\37\36\37\37\36\37\36\37"[month - 1];
  if (day > last_day) {
    return Err(code, yymmdd, " is not a valid date");
  }
  return Gs1Date{year, month, day == 0 ? last_day : day};
}

// Collector checks the elements of one input as they are found and fills a
// Gs1Data. `raw` says the input is raw scan data (for error hints).
class Collector {
 public:
  Collector(int current_year, bool raw) : current_year_(current_year), raw_(raw) {}

  // Add checks `value` of AI `code` and keeps what Gs1Data holds.
  absl::Status Add(absl::string_view code, const Gs1AiSpec& spec, absl::string_view value) {
    if (absl::Status form = CheckForm(code, spec, value, raw_); !form.ok()) {
      return form;
    }
    for (const auto& [seen_code, seen_value] : seen_) {
      if (seen_code == code) {
        return seen_value == value ? absl::OkStatus()
                                   : Err(code, "appears twice with different values");
      }
    }
    seen_.emplace_back(code, value);
    if (code == "01") {
      data_.gtin = std::string(value);
      return CheckGtin(value);
    }
    if (code == "10" || code == "21") {
      (code == "10" ? data_.lot : data_.serial) = std::string(value);
    } else if (code == "11" || code == "17") {
      absl::StatusOr<Gs1Date> date = ParseDate(code, value, current_year_);
      if (!date.ok()) {
        return date.status();
      }
      (code == "11" ? data_.production : data_.expiry) = *date;
    }
    return absl::OkStatus();
  }

  // Finish returns the data once every element is in; (01) is required.
  absl::StatusOr<Gs1Data> Finish() && {
    if (data_.gtin.empty()) {
      return !data_.serial.empty() ? Err("21", "serial needs (01) GTIN")
             : !data_.lot.empty()  ? Err("10", "lot needs (01) GTIN")
                                   : Err("", seen_.empty() ? "no element strings" : "no (01) GTIN");
    }
    return std::move(data_);
  }

 private:
  int current_year_;
  bool raw_;
  // AIs seen so far (a few: inline, as the serial and lot fit in SSO).
  absl::InlinedVector<std::pair<std::string, std::string>, 8> seen_;
  Gs1Data data_;
};

// ParseBracketed reads "(AI)value(AI)value..." where "\(" is a literal "(".
absl::Status ParseBracketed(absl::string_view s, Collector& out) {
  for (size_t pos = 0; pos < s.size();) {
    size_t close = s.find(')', pos);
    if (s[pos] != '(' || close == absl::string_view::npos) {
      return Err("", "bracketed AI is not closed with \")\"");
    }
    absl::string_view code = s.substr(pos + 1, close - pos - 1);
    if (code.size() < 2 || code.size() > 4 || !AllDigits(code)) {
      return Err("", "a bracketed AI must be 2 to 4 digits");
    }
    const Gs1AiSpec* spec = LookUpGs1Ai(code);
    if (spec == nullptr) {
      return UnknownAi(code);
    }
    std::string value;
    for (pos = close + 1; pos < s.size() && s[pos] != '('; ++pos) {
      pos += s[pos] == '\\' && pos + 1 < s.size() && s[pos + 1] == '(' ? 1 : 0;
      value.push_back(s[pos]);
    }
    if (absl::Status st = out.Add(code, *spec, absl::StripTrailingAsciiWhitespace(value));
        !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

// ParseRaw reads scan data: a GS1 symbology identifier, separators and
// element strings, each ending at a separator unless its AI is fixed-length.
absl::Status ParseRaw(absl::string_view s, Collector& out) {
  if (absl::StartsWith(s, "]")) {
    if (PrefixLength(s, {"]d2", "]Q3", "]C1", "]e0", "]J1"}) == 0) {
      return Err("", "symbology identifier is not a GS1 one (]d2 ]Q3 ]C1 ]e0 ]J1)");
    }
    s.remove_prefix(3);
  }
  while (true) {
    while (size_t sep = SeparatorLength(s)) {
      s.remove_prefix(sep);
    }
    if (s.empty()) {
      return absl::OkStatus();
    }
    absl::string_view code;
    for (size_t len = 2; len <= 4 && len <= s.size() && code.empty(); ++len) {
      code = LookUpGs1Ai(s.substr(0, len)) != nullptr ? s.substr(0, len) : "";
    }
    if (code.empty()) {
      size_t digits = 0;
      while (digits < s.size() && digits < 5 && absl::ascii_isdigit(s[digits])) {
        ++digits;
      }
      return digits == 0 ? Err("", "expected an AI") : UnknownAi(s.substr(0, digits));
    }
    const Gs1AiSpec* spec = LookUpGs1Ai(code);
    s.remove_prefix(code.size());
    size_t len = 0;
    size_t limit = IsGs1PredefinedLength(code) ? spec->max_len : s.size();
    while (len < std::min(limit, s.size()) && SeparatorLength(s.substr(len)) == 0) {
      ++len;
    }
    if (absl::Status st = out.Add(code, *spec, s.substr(0, len)); !st.ok()) {
      return st;
    }
    s.remove_prefix(len);
  }
}

// AddEncoded percent-decodes `encoded` and adds it as the value of AI
// `code`; a GTIN of 8, 12 or 13 digits is padded to 14.
absl::Status AddEncoded(absl::string_view code, absl::string_view encoded, Collector& out) {
  const Gs1AiSpec* spec = LookUpGs1Ai(code);
  if (spec == nullptr) {
    return UnknownAi(code);
  }
  auto hex = [](char c) {
    return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
  };
  std::string value;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      value.push_back(encoded[i]);
      continue;
    }
    if (i + 2 >= encoded.size() || !absl::ascii_isxdigit(encoded[i + 1]) ||
        !absl::ascii_isxdigit(encoded[i + 2])) {
      return Err(code, spec->name, " has a malformed percent-escape");
    }
    value.push_back(static_cast<char>(hex(encoded[i + 1]) * 16 + hex(encoded[i + 2])));
    i += 2;
  }
  if (code == "01" && value.size() != 14) {
    if (value.size() != 8 && value.size() != 12 && value.size() != 13) {
      return Err(code, "GTIN must be 8, 12, 13 or 14 digits, got ", value.size());
    }
    value.insert(0, 14 - value.size(), '0');
  }
  return out.Add(code, *spec, value);
}

// ParseDigitalLinkPath reads ".../01/{gtin}[/{22|10|21}/{value}]...", the
// path without its leading "/".
absl::Status ParseDigitalLinkPath(absl::string_view path, Collector& out) {
  std::vector<absl::string_view> segments = absl::StrSplit(path, '/');
  size_t n = segments.size();
  // The last "01" an even number of segments from the end: values sit at odd
  // distances, so a serial "01" is never taken for the key.
  size_t key = n;
  for (size_t p = n % 2; p + 2 <= n; p += 2) {
    key = segments[p] == "01" ? p : key;
  }
  if (key == n) {
    return Err("", "Digital Link URI has no /01/{GTIN} in its path");
  }
  for (size_t k = key; k < n; k += 2) {
    absl::string_view code = segments[k];
    if (k > key && code != "22" && code != "10" && code != "21") {
      return LookUpGs1Ai(code) == nullptr
                 ? Err("", "Digital Link path has a segment after /01/ that is not an AI")
                 : Err(code, "is not a key qualifier of (01) in a Digital Link path");
    }
    if (absl::Status st = AddEncoded(code, segments[k + 1], out); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

// ParseDigitalLink reads "http(s)://host/prefix/01/{gtin}/...?ai=value&...".
absl::Status ParseDigitalLink(absl::string_view s, Collector& out) {
  s = s.substr(0, s.find('#'));
  s.remove_prefix(s.find("://") + 3);
  size_t q = std::min(s.find('?'), s.size());
  absl::string_view query = s.substr(std::min(q + 1, s.size()));
  s = s.substr(0, q);
  size_t slash = s.find('/');
  if (slash == 0 || slash == absl::string_view::npos) {
    return Err("", "Digital Link URI needs a host and a path");
  }
  absl::string_view path = absl::StripSuffix(s.substr(slash + 1), "/");
  if (absl::Status st = ParseDigitalLinkPath(path, out); !st.ok()) {
    return st;
  }
  for (absl::string_view param : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(param, absl::MaxSplits('=', 1));
    if (kv.first.empty() || !AllDigits(kv.first)) {
      continue;  // linkType and other parameters that are not AIs
    }
    if (absl::Status st = AddEncoded(kv.first, kv.second, out); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

struct Element {
  absl::string_view code;
  std::string value;
};

// Elements lists the set fields of `data` in output order, fixed-length first.
std::vector<Element> Elements(const Gs1Data& data) {
  auto date = [](const Gs1Date& d) {
    return absl::StrFormat("%02d%02d%02d", d.year % 100, d.month, d.day);
  };
  std::vector<Element> out;
  if (!data.gtin.empty()) {
    out.push_back({"01", data.gtin});
  }
  if (data.production) {
    out.push_back({"11", date(*data.production)});
  }
  if (data.expiry) {
    out.push_back({"17", date(*data.expiry)});
  }
  if (!data.lot.empty()) {
    out.push_back({"10", data.lot});
  }
  if (!data.serial.empty()) {
    out.push_back({"21", data.serial});
  }
  return out;
}

std::string PercentEncode(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Gs1Data> ParseGs1(absl::string_view input, int current_year) {
  if (input.size() > kMaxInputBytes) {
    return Err("", "input is ", input.size(), " bytes, at most ", kMaxInputBytes, " allowed");
  }
  if (current_year < 1000 || current_year > 9899) {
    return Err("", "current year ", current_year, " is out of range");
  }
  absl::string_view s = absl::StripAsciiWhitespace(input);
  if (s.empty()) {
    return Err("", "input is empty");
  }
  bool uri = absl::StartsWithIgnoreCase(s, "http://") || absl::StartsWithIgnoreCase(s, "https://");
  bool bracketed = s.front() == '(';
  Collector out(current_year, /*raw=*/!uri && !bracketed);
  absl::Status st = uri         ? ParseDigitalLink(s, out)
                    : bracketed ? ParseBracketed(s, out)
                                : ParseRaw(s, out);
  if (!st.ok()) {
    return st;
  }
  return std::move(out).Finish();
}

std::string FormatGs1Bracketed(const Gs1Data& data) {
  std::string out;
  for (const Element& e : Elements(data)) {
    absl::StrAppend(&out, "(", e.code, ")", absl::StrReplaceAll(e.value, {{"(", "\\("}}));
  }
  return out;
}

std::string FormatGs1Raw(const Gs1Data& data) {
  std::string out = "]d2";
  std::vector<Element> elements = Elements(data);
  for (size_t i = 0; i < elements.size(); ++i) {
    absl::StrAppend(&out, elements[i].code, elements[i].value);
    if (!IsGs1PredefinedLength(elements[i].code) && i + 1 < elements.size()) {
      out.push_back('\x1d');
    }
  }
  return out;
}

std::string FormatGs1DigitalLink(const Gs1Data& data) {
  if (data.gtin.empty()) {
    return "";
  }
  std::string path = "https://id.gs1.org";
  std::vector<std::string> query;
  for (const Element& e : Elements(data)) {
    if (e.code == "11" || e.code == "17") {
      query.push_back(absl::StrCat(e.code, "=", e.value));
    } else {
      absl::StrAppend(&path, "/", e.code, "/", PercentEncode(e.value));
    }
  }
  return query.empty() ? path : absl::StrCat(path, "?", absl::StrJoin(query, "&"));
}

int64_t Gs1DateToDays(const Gs1Date& date) {
  return absl::CivilDay(date.year, date.month, date.day) - absl::CivilDay(1970, 1, 1);
}

}  // namespace authnet
