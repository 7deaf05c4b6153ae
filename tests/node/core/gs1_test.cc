#include "node/core/gs1.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace authnet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kYear = 2026;
constexpr char kGtin[] = "09506000134352";  // The GS1 General Specifications' example GTIN.

std::string Message(const absl::StatusOr<Gs1Data>& s) { return std::string(s.status().message()); }

Gs1Data Parse(absl::string_view input, int year = kYear) {
  absl::StatusOr<Gs1Data> data = ParseGs1(input, year);
  EXPECT_TRUE(data.ok()) << input << ": " << data.status();
  return data.ok() ? *data : Gs1Data{};
}

// The example used across the forms: GTIN, serial ABC123, lot L1, expiry 2026-12-31.
Gs1Data Example() { return {kGtin, "ABC123", "L1", Gs1Date{2026, 12, 31}, std::nullopt}; }

TEST(Gs1Test, ParsesTheGeneralSpecificationsElementString) {
  Gs1Data data = Parse("(01)09506000134352(17)201225(10)ABC123");
  EXPECT_EQ(data.gtin, kGtin);
  EXPECT_EQ(data.lot, "ABC123");
  EXPECT_EQ(data.serial, "");
  EXPECT_EQ(data.expiry, (Gs1Date{2020, 12, 25}));
  EXPECT_EQ(data.production, std::nullopt);
}

TEST(Gs1Test, ParsesTheDigitalLinkStandardExample) {
  Gs1Data data = Parse("https://id.gs1.org/01/09506000134352/10/ABC1/21/12345?17=180426");
  EXPECT_EQ(data, (Gs1Data{kGtin, "12345", "ABC1", Gs1Date{2018, 4, 26}, std::nullopt}));
}

TEST(Gs1Test, DigitalLinkPadsShortGtinsTo14Digits) {
  EXPECT_EQ(Parse("https://id.gs1.org/01/9506000134352").gtin, kGtin);            // GTIN-13
  EXPECT_EQ(Parse("https://id.gs1.org/01/036000291452").gtin, "00036000291452");  // GTIN-12
  EXPECT_EQ(Parse("https://id.gs1.org/01/96385074").gtin, "00000096385074");      // GTIN-8
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/01/95060001343", kYear)),
            "gs1: (01) GTIN must be 8, 12, 13 or 14 digits, got 11");
}

TEST(Gs1Test, AllThreeFormsGiveEqualData) {
  Gs1Data bracketed = Parse("(01)09506000134352(21)ABC123(10)L1(17)261231");
  Gs1Data raw = Parse(
      "]d2010950600013435217261231"
      "10L1\x1d"
      "21ABC123");
  Gs1Data link = Parse("https://id.gs1.org/01/09506000134352/10/L1/21/ABC123?17=261231");
  EXPECT_EQ(bracketed, Example());
  EXPECT_EQ(raw, Example());
  EXPECT_EQ(link, Example());
}

TEST(Gs1Test, AcceptsEachGs1SymbologyIdentifierAndRefusesOthers) {
  for (const char* id : {"]d2", "]Q3", "]C1", "]e0", "]J1"}) {
    EXPECT_EQ(Parse(std::string(id) + "0109506000134352"
                                      "17261231"
                                      "21ABC123\x1d"
                                      "10L1"),
              Example())
        << id;
  }
  for (const char* id : {"]d1", "]Q1", "]C0", "]E0", "]"}) {
    EXPECT_EQ(Message(ParseGs1(std::string(id) + "0109506000134352", kYear)),
              "gs1: symbology identifier is not a GS1 one (]d2 ]Q3 ]C1 ]e0 ]J1)")
        << id;
  }
}

TEST(Gs1Test, AcceptsALeadingGsWithOrWithoutSymbologyIdentifier) {
  EXPECT_EQ(Parse("\x1d"
                  "0109506000134352"
                  "10L1\x1d"
                  "21ABC123\x1d"
                  "17261231"),
            Example());
  EXPECT_EQ(Parse("]d2\x1d"
                  "0109506000134352"
                  "10L1\x1d"
                  "21ABC123\x1d"
                  "17261231"),
            Example());
}

TEST(Gs1Test, AcceptsEachKeyboardWedgeStandInForGs) {
  for (const char* gs : {"\x1d", "\xe2\x90\x9d", "<GS>", "{GS}", "[GS]", "^]"}) {
    std::string scan =
        absl::StrCat("]d2", gs, "0109506000134352", "10L1", gs, "21ABC123", gs, "17261231", "\r\n");
    EXPECT_EQ(Parse(scan), Example()) << gs;
  }
}

TEST(Gs1Test, MissingGsAfterALotMakesItTooLongAndSaysSo) {
  absl::StatusOr<Gs1Data> data = ParseGs1(
      "]d2"
      "0109506000134352"
      "10LOT4567890"
      "21SERIAL7890",
      kYear);
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(data),
            "gs1: (10) lot longer than 20 characters (a missing GS separator after it?)");
  // Bracketed, the same length has no separator to miss.
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(10)LOT4567890123456789012", kYear)),
            "gs1: (10) lot longer than 20 characters");
}

TEST(Gs1Test, FixedLengthAisNeedNoGsButMayHaveOne) {
  Gs1Data expected = {kGtin, "", "L1", Gs1Date{2026, 12, 31}, Gs1Date{2025, 1, 15}};
  EXPECT_EQ(Parse("0109506000134352"
                  "17261231"
                  "11250115"
                  "10L1"),
            expected);
  EXPECT_EQ(Parse("0109506000134352\x1d"
                  "17261231\x1d"
                  "11250115\x1d"
                  "10L1\x1d"),
            expected);
  // Other fixed-length AIs (SSCC, a measure, a GLN) are skipped by length alone.
  EXPECT_EQ(Parse("00106141411234567893"
                  "0109506000134352"
                  "3103000500"
                  "4141234567890128"
                  "10L1"
                  "\x1d"
                  "17261231"
                  "11250115"),
            expected);
}

TEST(Gs1Test, RefusesABadCheckDigitNamingTheExpectedOne) {
  EXPECT_EQ(Message(ParseGs1("(01)09506000134353", kYear)),
            "gs1: (01) check digit is 3, expected 2");
  EXPECT_EQ(Message(ParseGs1("]d20109506000134350", kYear)),
            "gs1: (01) check digit is 0, expected 2");
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/01/9506000134353", kYear)),
            "gs1: (01) check digit is 3, expected 2");
  EXPECT_EQ(Message(ParseGs1("(01)00000000000000", kYear)), "gs1: (01) all zeros is not a GTIN");
}

TEST(Gs1Test, RefusesInvalidDates) {
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(17)261331", kYear)),
            "gs1: (17) 261331 is not a valid date");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(17)260230", kYear)),
            "gs1: (17) 260230 is not a valid date");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(11)250229", kYear)),  // 2025 is no leap year
            "gs1: (11) 250229 is not a valid date");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(17)260431", kYear)),
            "gs1: (17) 260431 is not a valid date");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(17)260001", kYear)),
            "gs1: (17) 260001 is not a valid date");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(17)2612", kYear)),
            "gs1: (17) date must be 6 digits, got 4");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(17)2612AB", kYear)),
            "gs1: (17) date must be digits");
  EXPECT_EQ(Parse("(01)09506000134352(17)280229").expiry, (Gs1Date{2028, 2, 29}));
}

TEST(Gs1Test, DayZeroMeansTheLastDayOfTheMonth) {
  auto expiry = [](absl::string_view yymmdd, int year = kYear) {
    return Parse(absl::StrCat("(01)09506000134352(17)", yymmdd), year).expiry;
  };
  EXPECT_EQ(expiry("261200"), (Gs1Date{2026, 12, 31}));
  EXPECT_EQ(expiry("261100"), (Gs1Date{2026, 11, 30}));
  EXPECT_EQ(expiry("260200"), (Gs1Date{2026, 2, 28}));
  EXPECT_EQ(expiry("280200"), (Gs1Date{2028, 2, 29}));        // leap year
  EXPECT_EQ(expiry("000200"), (Gs1Date{2000, 2, 29}));        // divisible by 400: leap
  EXPECT_EQ(expiry("000200", 2080), (Gs1Date{2100, 2, 28}));  // by 100 only: not leap
  EXPECT_EQ(Parse("(01)09506000134352(11)260200").production, (Gs1Date{2026, 2, 28}));
}

TEST(Gs1Test, ResolvesTheCenturyBySlidingWindow) {
  auto year = [](absl::string_view yy, int current_year) {
    return Parse(absl::StrCat("(01)09506000134352(17)", yy, "0101"), current_year).expiry->year;
  };
  // 2026: up to 50 years ahead stays in this century, 51 ahead is the last one.
  EXPECT_EQ(year("26", 2026), 2026);
  EXPECT_EQ(year("51", 2026), 2051);
  EXPECT_EQ(year("76", 2026), 2076);  // 50 ahead
  EXPECT_EQ(year("77", 2026), 1977);  // 51 ahead
  EXPECT_EQ(year("99", 2026), 1999);
  EXPECT_EQ(year("00", 2026), 2000);
  // 2080: 50 or more behind is the next century.
  EXPECT_EQ(year("31", 2080), 2031);  // 49 behind
  EXPECT_EQ(year("30", 2080), 2130);  // 50 behind
  EXPECT_EQ(year("00", 2080), 2100);
  // 2000: the edges the other way round.
  EXPECT_EQ(year("50", 2000), 2050);
  EXPECT_EQ(year("51", 2000), 1951);
}

TEST(Gs1Test, KeepsSerialAndLotExactlyIncludingCase) {
  Gs1Data lower = Parse("(01)09506000134352(21)abc123x(10)lot-a");
  Gs1Data upper = Parse("(01)09506000134352(21)ABC123X(10)LOT-A");
  EXPECT_EQ(lower.serial, "abc123x");
  EXPECT_EQ(lower.lot, "lot-a");
  EXPECT_NE(lower, upper);
  // All of CSet 82's punctuation (20 characters); "(" is escaped in the bracketed form.
  EXPECT_EQ(Parse("(01)09506000134352(21)!\"%&'\\()*+,-./:;<=>?_").serial, "!\"%&'()*+,-./:;<=>?_");
}

TEST(Gs1Test, BracketedValuesEscapeParenthesesAndMayBeSpaced) {
  EXPECT_EQ(Parse("(01)09506000134352(21)A\\(21)B").serial, "A(21)B");
  EXPECT_EQ(Parse("  (01)09506000134352 (21)ABC123  (10)L1\t(17)261231 \n"), Example());
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(21)A\\B", kYear)),
            "gs1: (21) serial contains a character outside the GS1 character set");
}

TEST(Gs1Test, RefusesCharactersOutsideCset82NamingTheAi) {
  const std::string outside = "gs1: (21) serial contains a character outside the GS1 character set";
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(21)caf\xc3\xa9", kYear)), outside);
  EXPECT_EQ(Message(ParseGs1("]d20109506000134352"
                             "21AB CD",
                             kYear)),
            outside);
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/01/09506000134352/21/AB%20CD", kYear)), outside);
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/01/09506000134352/21/AB%1DCD", kYear)), outside);
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(10)A#1", kYear)),
            "gs1: (10) lot contains a character outside the GS1 character set");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(240)A~1", kYear)),
            "gs1: (240) product reference contains a character outside the GS1 character set");
}

TEST(Gs1Test, RefusesTheTextGsInAValueOutsideRawData) {
  // A keyboard-wedge scan of this value would split it, so it is refused in every form.
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(21)A<GS>B", kYear)),
            "gs1: (21) serial contains \"<GS>\", which scanners send for a separator");
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/01/09506000134352/10/A%3CGS%3EB", kYear)),
            "gs1: (10) lot contains \"<GS>\", which scanners send for a separator");
  EXPECT_EQ(Parse("(01)09506000134352(21)A<GSB>").serial, "A<GSB>");
}

TEST(Gs1Test, DuplicateAisMustAgree) {
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(21)A1(21)B2", kYear)),
            "gs1: (21) appears twice with different values");
  EXPECT_EQ(Message(ParseGs1("]d20109506000134352"
                             "17261231"
                             "17271231",
                             kYear)),
            "gs1: (17) appears twice with different values");
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/01/09506000134352/21/A1?21=B2", kYear)),
            "gs1: (21) appears twice with different values");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(3103)000500(3103)000600", kYear)),
            "gs1: (3103) appears twice with different values");
  // An identical repeat says nothing new and is accepted.
  EXPECT_EQ(Parse("(01)09506000134352(21)ABC123(10)L1(21)ABC123(17)261231(01)09506000134352"),
            Example());
  EXPECT_EQ(Parse("https://id.gs1.org/01/09506000134352/10/L1/21/ABC123?21=ABC123&17=261231"),
            Example());
}

TEST(Gs1Test, RefusesUnknownAisInEveryForm) {
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(05)123", kYear)), "gs1: unknown AI (05)");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(3106)000500", kYear)),
            "gs1: unknown AI (3106)");  // a measure has 0..5 decimals
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(3170)000500", kYear)), "gs1: unknown AI (3170)");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(ABC)1", kYear)),
            "gs1: a bracketed AI must be 2 to 4 digits");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(21", kYear)),
            "gs1: bracketed AI is not closed with \")\"");
  EXPECT_EQ(Message(ParseGs1("]d20109506000134352"
                             "0512345",
                             kYear)),
            "gs1: unknown AI (0512...)");
  EXPECT_EQ(Message(ParseGs1("]d20109506000134352"
                             "ABC",
                             kYear)),
            "gs1: expected an AI");
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/01/09506000134352?05=1", kYear)),
            "gs1: unknown AI (05)");
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/01/09506000134352/17/261231", kYear)),
            "gs1: (17) is not a key qualifier of (01) in a Digital Link path");
}

TEST(Gs1Test, ValidatesOtherAisAndIgnoresThem) {
  EXPECT_EQ(Parse("(01)09506000134352(3103)000500(30)12(00)106141411234567893(22)V-1"
                  "(240)REF(400)PO/1(421)528AB12(422)528(7003)2612311200(8200)http://x.y/z"
                  "(90)ZZ(99)internal"),
            (Gs1Data{kGtin, "", "", std::nullopt, std::nullopt}));
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(3103)00050", kYear)),
            "gs1: (3103) measure must be 6 digits, got 5");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(30)123456789", kYear)),
            "gs1: (30) count longer than 8 digits");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(30)12A", kYear)),
            "gs1: (30) count must be digits");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(421)5AB", kYear)),
            "gs1: (421) postal code shorter than 4 characters");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(421)5ABC", kYear)),
            "gs1: (421) postal code must start with 3 digits");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352(21)", kYear)), "gs1: (21) serial is empty");
}

TEST(Gs1Test, DigitalLinkTakesAnyHostAndPrefixAndIgnoresOtherParameters) {
  EXPECT_EQ(Parse("https://id.gs1.org/01/09506000134352/10/L1/21/ABC123"
                  "?linkType=gs1:pip&17=261231&context=x#frag"),
            Example());
  EXPECT_EQ(Parse("HTTP://brand.example.com/products/01/9506000134352/21/ABC123/10/L1/"
                  "?17=261231"),
            Example());
  // A prefix segment "01", and a serial "01", are not the key.
  EXPECT_EQ(Parse("https://x.example/01/shop/01/09506000134352/21/01").serial, "01");
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org/414/9521321000010", kYear)),
            "gs1: Digital Link URI has no /01/{GTIN} in its path");
  EXPECT_EQ(Message(ParseGs1("https://id.gs1.org", kYear)),
            "gs1: Digital Link URI needs a host and a path");
}

TEST(Gs1Test, DigitalLinkValuesArePercentDecoded) {
  EXPECT_EQ(Parse("https://id.gs1.org/01/09506000134352/21/ABC%2F1").serial, "ABC/1");
  EXPECT_EQ(Parse("https://id.gs1.org/01/09506000134352/21/A%2fb%25?10=x%26y").lot, "x&y");
  EXPECT_EQ(Parse("https://id.gs1.org/01/09506000134352/21/a+b").serial, "a+b");
  for (const char* bad : {"AB%2", "AB%", "AB%G1", "%-1"}) {
    EXPECT_EQ(
        Message(ParseGs1(absl::StrCat("https://id.gs1.org/01/09506000134352/21/", bad), kYear)),
        "gs1: (21) serial has a malformed percent-escape")
        << bad;
  }
}

TEST(Gs1Test, SerialOrLotWithoutGtinAndEmptyOrLongInputAreRefused) {
  EXPECT_EQ(Message(ParseGs1("(21)ABC", kYear)), "gs1: (21) serial needs (01) GTIN");
  EXPECT_EQ(Message(ParseGs1("]d2"
                             "10L1",
                             kYear)),
            "gs1: (10) lot needs (01) GTIN");
  EXPECT_EQ(Message(ParseGs1("(17)261231", kYear)), "gs1: no (01) GTIN");
  EXPECT_EQ(Message(ParseGs1("]d2\x1d", kYear)), "gs1: no element strings");
  EXPECT_EQ(Message(ParseGs1("", kYear)), "gs1: input is empty");
  EXPECT_EQ(Message(ParseGs1(" \r\n", kYear)), "gs1: input is empty");
  std::string long_input = "(01)09506000134352(99)" + std::string(491, 'A');
  EXPECT_EQ(long_input.size(), 513u);
  EXPECT_EQ(Message(ParseGs1(long_input, kYear)), "gs1: input is 513 bytes, at most 512 allowed");
  EXPECT_EQ(Message(ParseGs1("(01)09506000134352", 99)), "gs1: current year 99 is out of range");
}

TEST(Gs1Test, FormatsInAFixedOrder) {
  Gs1Data data = Example();
  data.production = Gs1Date{2025, 1, 15};
  EXPECT_EQ(FormatGs1Bracketed(data), "(01)09506000134352(11)250115(17)261231(10)L1(21)ABC123");
  EXPECT_EQ(FormatGs1Raw(data),
            "]d20109506000134352"
            "11250115"
            "17261231"
            "10L1\x1d"
            "21ABC123");
  EXPECT_EQ(FormatGs1DigitalLink(data),
            "https://id.gs1.org/01/09506000134352/10/L1/21/ABC123?11=250115&17=261231");
  Gs1Data gtin_only = {kGtin, "", "", std::nullopt, std::nullopt};
  EXPECT_EQ(FormatGs1Raw(gtin_only), "]d20109506000134352");
  EXPECT_EQ(FormatGs1DigitalLink(gtin_only), "https://id.gs1.org/01/09506000134352");
  EXPECT_EQ(FormatGs1DigitalLink(Gs1Data{}), "");
}

TEST(Gs1Test, FormatThenParseRoundTrips) {
  std::vector<Gs1Data> cases = {
      Example(),
      {kGtin, "", "", std::nullopt, std::nullopt},
      {kGtin, "A(21)B/%?&=+", "", std::nullopt, Gs1Date{1999, 2, 28}},
      {kGtin, "", "x(y)z", Gs1Date{2000, 2, 29}, std::nullopt},
      {"00000096385074", "01", "01", Gs1Date{2076, 1, 1}, Gs1Date{1977, 12, 31}},
      {kGtin, "12345678901234567890", "!\"%&'()*+,-./:;<=>?", std::nullopt, std::nullopt},
  };
  for (const Gs1Data& data : cases) {
    for (const std::string& text :
         {FormatGs1Bracketed(data), FormatGs1Raw(data), FormatGs1DigitalLink(data)}) {
      EXPECT_EQ(Parse(text), data) << text;
    }
  }
}

TEST(Gs1Test, ErrorsNeverQuoteTheSerialOrLot) {
  const std::vector<std::string> bad = {
      "(01)09506000134353(21)SECRETSER1",             // check digit
      "(21)SECRETSER1",                               // no GTIN
      "(10)SECRETLOT1",                               // no GTIN
      "(01)09506000134352(21)SECRETSER1#",            // character set
      "(01)09506000134352(21)SECRETSER1SECRETSER1X",  // too long
      "]d20109506000134352"
      "10SECRETLOT1"
      "21SECRETSER1",                                                // missing GS
      "(01)09506000134352(21)SECRETSER1(21)SECRETSER2",              // duplicate
      "https://id.gs1.org/01/09506000134352/21/SECRETSER1%ZZ",       // percent-escape
      "https://id.gs1.org/01/09506000134352/21/SECRETSER1/17/2612",  // not a qualifier
      "]d20109506000134352"
      "SECRETSER1",                                  // no AI
      "(01)09506000134352(21)SECRETSER1(17)261340",  // date
  };
  for (const std::string& input : bad) {
    absl::StatusOr<Gs1Data> data = ParseGs1(input, kYear);
    ASSERT_FALSE(data.ok()) << input;
    EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(data), HasSubstr("gs1: "));
    EXPECT_THAT(Message(data), Not(HasSubstr("SECRET"))) << Message(data);
  }
}

TEST(Gs1Test, DateToDaysCountsFromTheEpoch) {
  EXPECT_EQ(Gs1DateToDays({1970, 1, 1}), 0);
  EXPECT_EQ(Gs1DateToDays({1969, 12, 31}), -1);
  EXPECT_EQ(Gs1DateToDays({2000, 3, 1}), 11017);
  EXPECT_EQ(Gs1DateToDays({2026, 12, 31}), 20818);
  EXPECT_EQ(Gs1DateToDays(*Parse("(01)09506000134352(17)280200").expiry),
            Gs1DateToDays({2028, 3, 1}) - 1);
}

}  // namespace
}  // namespace authnet
