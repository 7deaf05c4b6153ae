#pragma once

// GS1 data as a scanner or a label gives it: element strings, raw scan data
// and GS1 Digital Link URIs, reduced to the few Application Identifiers (AIs)
// authnet looks at. Pure functions of their arguments: thread-safe, no I/O,
// no clock (the caller passes the current year).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authnet {

// Gs1Date is a calendar date from a YYMMDD AI, its century resolved and its
// day resolved: GS1's "DD = 00" (no day given) becomes the last day of the
// month, so 260200 and 260228 are the same Gs1Date.
struct Gs1Date {
  int year;
  int month;
  int day;
  bool operator==(const Gs1Date&) const = default;
};

// Gs1Data is what ParseGs1 extracts. Serial and lot are raw identifiers: keep
// them in memory for one call and never log them.
struct Gs1Data {
  std::string gtin;                   // AI (01): 14 digits, check digit verified
  std::string serial;                 // AI (21): 1..20 characters of CSet 82, case kept; or ""
  std::string lot;                    // AI (10): as serial; or ""
  std::optional<Gs1Date> expiry;      // AI (17) YYMMDD
  std::optional<Gs1Date> production;  // AI (11) YYMMDD
  bool operator==(const Gs1Data&) const = default;
};

// ParseGs1 reads `input` (at most 512 bytes; surrounding ASCII white space,
// such as a scanner's trailing CR LF, is ignored) in whichever of three forms
// it has:
//
//  1. Bracketed element string, when it starts with "(":
//       "(01)09506000134352(21)ABC123(10)L1(17)261231"
//     White space between elements is allowed. A "(" inside a value is
//     written "\(" (as the GS1 Barcode Syntax Engine does).
//  2. Digital Link URI, when it starts with "http://" or "https://" (any case):
//       "https://id.gs1.org/01/09506000134352/21/ABC123?17=261231"
//     Any host and any path prefix before the last /01/{gtin}; the GTIN may
//     have 8, 12, 13 or 14 digits (padded to 14). Key qualifiers /22/, /10/,
//     /21/ may follow in any order. Query parameters whose name is all digits
//     are AIs; others (linkType, ...) and the #fragment are ignored. Values
//     are percent-decoded; "+" stays "+".
//  3. Anything else is raw scan data: element strings back to back, a
//     separator after each variable-length value that is not last. It may
//     start with a GS1 symbology identifier ("]d2" DataMatrix, "]Q3" QR,
//     "]C1" GS1-128, "]e0" DataBar, "]J1" DotCode; any other "]xx" is refused
//     as not GS1) and/or separators. Separators: GS (0x1D) and the stand-ins
//     keyboard-wedge scanners type for it: "␝" (U+241D), "<GS>", "{GS}",
//     "[GS]" and "^]". A separator after a fixed-length value (the GS1
//     predefined-length table: AIs starting 00-04, 11-20, 31-36, 41) is
//     allowed but not needed. A missing separator after a variable-length
//     value cannot always be detected: "10L121ABC" is the lot "L121ABC".
//
// Known AIs are validated for form (digits, CSet 82, length); only (01),
// (10), (11), (17) and (21) are kept, the others are ignored. Two-digit years
// are resolved against `current_year` (1000..9899) by the GS1 General
// Specifications §7.12 sliding window: a year 51..99 ahead of it is in the
// previous century, one 50..99 behind it in the next.
//
// Returns INVALID_ARGUMENT "gs1: ..." naming the AI, e.g.
// "gs1: (01) check digit is 3, expected 2", when: the input is empty or too
// long; an AI is unknown; a value has the wrong form or a bad check digit or
// date; an AI appears twice with different values (an identical repeat is
// accepted); there is no (01); or a value contains the text "<GS>" (which a
// scan could not tell from a separator). Error messages never contain a
// serial or lot value.
[[nodiscard]] absl::StatusOr<Gs1Data> ParseGs1(absl::string_view input, int current_year);

// The Format functions write `data` (as ParseGs1 returns it) back out; the
// result parses to `data` again with the same `current_year`. Dates are
// written with their resolved day, never "00". Data ParseGs1 could not have
// returned (an empty gtin, characters outside CSet 82) gives output that may
// not parse.

// FormatGs1Bracketed returns "(01)...(11)...(17)...(10)...(21)...", empty
// fields left out, "(" in values escaped as "\(".
std::string FormatGs1Bracketed(const Gs1Data& data);

// FormatGs1Raw returns GS1 DataMatrix scan data: "]d2", the fixed-length
// fields (01) (11) (17), then (10) and (21) with a GS (0x1D) between them.
std::string FormatGs1Raw(const Gs1Data& data);

// FormatGs1DigitalLink returns "https://id.gs1.org/01/{gtin}/10/{lot}/21/{serial}?11=..&17=..",
// empty fields left out, values percent-encoded except A-Z a-z 0-9 - . _.
// Returns "" when data.gtin is empty.
std::string FormatGs1DigitalLink(const Gs1Data& data);

// Gs1DateToDays returns the days from 1970-01-01 to `date` (negative before),
// in the proleptic Gregorian calendar. `date` must be a valid date.
int64_t Gs1DateToDays(const Gs1Date& date);

}  // namespace authnet
