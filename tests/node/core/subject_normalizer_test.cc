#include "node/core/subject_normalizer.h"

#include <string>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace authnet {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(NormalizeGtinTest, AcceptsRealGtinsOfEveryLengthAndPadsTo14) {
  EXPECT_EQ(*NormalizeGtin("gtin", "4006381333931"), "04006381333931");   // GTIN-13 (EAN)
  EXPECT_EQ(*NormalizeGtin("gtin", "9780306406157"), "09780306406157");   // ISBN-13
  EXPECT_EQ(*NormalizeGtin("gtin", "96385074"), "00000096385074");        // GTIN-8
  EXPECT_EQ(*NormalizeGtin("gtin", "036000291452"), "00036000291452");    // GTIN-12 (UPC-A)
  EXPECT_EQ(*NormalizeGtin("gtin", "10614141000415"), "10614141000415");  // GTIN-14
  EXPECT_EQ(*NormalizeGtin("gtin", "  4006381333931\n"), "04006381333931");
}

TEST(NormalizeGtinTest, TheSameItemInAnyLengthNormalizesAlike) {
  // A UPC-A and its EAN-13 / GTIN-14 spellings are one product.
  EXPECT_EQ(*NormalizeGtin("gtin", "036000291452"), *NormalizeGtin("gtin", "0036000291452"));
  EXPECT_EQ(*NormalizeGtin("gtin", "036000291452"), *NormalizeGtin("gtin", "00036000291452"));
}

TEST(NormalizeGtinTest, RejectsWrongCheckDigitNamingExpected) {
  absl::StatusOr<std::string> bad = NormalizeGtin("gtin", "4006381333932");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(bad.status()), "gtin: check digit is 2, expected 1");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "96385075").status()),
            "gtin: check digit is 5, expected 4");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "036000291453").status()),
            "gtin: check digit is 3, expected 2");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "50614141000012").status()),
            "gtin: check digit is 2, expected 7");
}

TEST(NormalizeGtinTest, RejectsMalformedValuesNamingTheField) {
  EXPECT_EQ(Message(NormalizeGtin("item.gtin", "").status()), "item.gtin: is empty");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "   ").status()), "gtin: is empty");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "40063813339a1").status()),
            "gtin: must contain only digits");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "4006-381333931").status()),
            "gtin: must contain only digits");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "123456789").status()),
            "gtin: must be 8, 12, 13 or 14 digits, got 9");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "400638133393100").status()),
            "gtin: must be 8, 12, 13 or 14 digits, got 15");
  EXPECT_EQ(Message(NormalizeGtin("gtin", "00000000").status()), "gtin: all zeros is not a GTIN");
}

TEST(NormalizeHexTest, AcceptsSeparatorsAndCase) {
  EXPECT_EQ(*NormalizeHex("nfc_uid", "04:A2:3B:1C:5D:80:00", 4, 10), "04a23b1c5d8000");
  EXPECT_EQ(*NormalizeHex("nfc_uid", "04-a2-3b-1c", 4, 10), "04a23b1c");
  EXPECT_EQ(*NormalizeHex("nfc_uid", " 04 A2 3B 1C ", 4, 10), "04a23b1c");
  EXPECT_EQ(*NormalizeHex("nfc_uid", "04a23b1c", 4, 10),
            *NormalizeHex("nfc_uid", "04:A2:3B:1C", 4, 10));
}

TEST(NormalizeHexTest, RejectsBadHexAndLength) {
  EXPECT_EQ(Message(NormalizeHex("nfc_uid", "04:g2:3b:1c", 4, 10).status()),
            "nfc_uid: must be hex digits");
  EXPECT_EQ(Message(NormalizeHex("nfc_uid", "04a23b1", 4, 10).status()),
            "nfc_uid: has an odd number of hex digits");
  EXPECT_EQ(Message(NormalizeHex("nfc_uid", "04a23b", 4, 10).status()),
            "nfc_uid: is 3 bytes, expected 4 to 10");
  EXPECT_EQ(Message(NormalizeHex("nfc_uid", std::string(22, 'a'), 4, 10).status()),
            "nfc_uid: is 11 bytes, expected 4 to 10");
  EXPECT_EQ(Message(NormalizeHex("nfc_uid", "::", 4, 10).status()), "nfc_uid: is empty");
}

// A day in 2026 (days since 1970), for the century of GS1 dates.
constexpr uint32_t kToday = 20'600;

absl::StatusOr<std::vector<NormalizedSubject>> Subjects(const v1::Subjects& s) {
  absl::StatusOr<NormalizedSubjects> out = NormalizeSubjects(s, kToday);
  if (!out.ok()) {
    return out.status();
  }
  return out->subjects;
}

TEST(NormalizeSubjectsTest, MapsFieldsToSubjectTypes) {
  v1::Subjects s;
  s.set_gtin("4006381333931");
  s.set_serial(" SN-1 ");
  s.set_lot("L42");
  s.set_seller("Shop");
  s.set_nfc_uid("04:A2:3B:1C");
  absl::StatusOr<std::vector<NormalizedSubject>> out = Subjects(s);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 4u);
  EXPECT_EQ((*out)[0].type, v1::SUBJECT_TYPE_UNIT);
  EXPECT_EQ((*out)[0].value, "04006381333931:SN-1");  // trimmed, case kept (GS1 AI 21)
  EXPECT_EQ((*out)[1].type, v1::SUBJECT_TYPE_LOT);
  EXPECT_EQ((*out)[1].value, "04006381333931:L42");
  EXPECT_EQ((*out)[2].type, v1::SUBJECT_TYPE_SELLER);
  EXPECT_EQ((*out)[2].value, "shop");
  EXPECT_EQ((*out)[3].type, v1::SUBJECT_TYPE_NFC_UID);
  EXPECT_EQ((*out)[3].value, "04a23b1c");
}

TEST(NormalizeSubjectsTest, SerialsDifferingOnlyInCaseAreTwoUnits) {
  v1::Subjects upper;
  upper.set_gtin("4006381333931");
  upper.set_serial("ABC123");
  v1::Subjects lower = upper;
  lower.set_serial("abc123");
  EXPECT_NE(Subjects(upper)->front().value, Subjects(lower)->front().value);
}

TEST(NormalizeSubjectsTest, GtinAloneIsAGtinSubject) {
  v1::Subjects s;
  s.set_gtin("96385074");
  absl::StatusOr<std::vector<NormalizedSubject>> out = Subjects(s);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].type, v1::SUBJECT_TYPE_GTIN);
  EXPECT_EQ((*out)[0].value, "00000096385074");
}

TEST(NormalizeSubjectsTest, AScanInEachFormNamesTheSameSubjectsAsTheFields) {
  v1::Subjects fields;
  fields.set_gtin("9506000134352");
  fields.set_serial("ABC123");
  fields.set_lot("L1");
  absl::StatusOr<std::vector<NormalizedSubject>> want = Subjects(fields);
  ASSERT_TRUE(want.ok());
  for (const char* scan : {"(01)09506000134352(21)ABC123(10)L1(17)261231",
                           "]d2010950600013435217261231"
                           "21ABC123\x1d"
                           "10L1",
                           "https://id.gs1.org/01/09506000134352/10/L1/21/ABC123?17=261231"}) {
    v1::Subjects s;
    s.set_gs1(scan);
    absl::StatusOr<NormalizedSubjects> got = NormalizeSubjects(s, kToday);
    ASSERT_TRUE(got.ok()) << scan << ": " << got.status();
    ASSERT_EQ(got->subjects.size(), want->size()) << scan;
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_EQ(got->subjects[i].type, (*want)[i].type) << scan;
      EXPECT_EQ(got->subjects[i].value, (*want)[i].value) << scan;
    }
    ASSERT_TRUE(got->expiry_day.has_value()) << scan;
    EXPECT_EQ(*got->expiry_day, (absl::CivilDay(2026, 12, 31) - absl::CivilDay(1970, 1, 1)));
  }
}

TEST(NormalizeSubjectsTest, AScanMustAgreeWithExplicitFields) {
  v1::Subjects s;
  s.set_gs1("(01)09506000134352(21)ABC123");
  s.set_gtin("09506000134352");
  s.set_serial(" ABC123 ");
  EXPECT_TRUE(Subjects(s).ok());
  s.set_serial("abc123");
  EXPECT_EQ(Message(Subjects(s).status()), "gs1: (21) disagrees with the serial field");
  s.set_serial("");
  s.set_gtin("4006381333931");
  EXPECT_EQ(Message(Subjects(s).status()), "gs1: (01) disagrees with the gtin field");
  s.set_gtin("");
  s.set_lot("L9");  // the scan has no lot: the field adds one
  absl::StatusOr<std::vector<NormalizedSubject>> out = Subjects(s);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[1].value, "09506000134352:L9");
  v1::Subjects bad;
  bad.set_gs1("(01)09506000134352(21)ABCDEFGHIJKLMNOPQRSTU");
  EXPECT_EQ(Message(Subjects(bad).status()), "gs1: (21) serial longer than 20 characters");
}

TEST(NormalizeSubjectsTest, ErrorsNameTheField) {
  v1::Subjects none;
  EXPECT_THAT(Message(Subjects(none).status()), HasSubstr("subjects: "));
  v1::Subjects serial_only;
  serial_only.set_serial("x");
  EXPECT_EQ(Message(Subjects(serial_only).status()), "serial: requires gtin");
  v1::Subjects lot_only;
  lot_only.set_lot("x");
  EXPECT_EQ(Message(Subjects(lot_only).status()), "lot: requires gtin");
  v1::Subjects bad_gtin;
  bad_gtin.set_gtin("4006381333932");
  bad_gtin.set_seller("shop");
  EXPECT_EQ(Subjects(bad_gtin).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(Subjects(bad_gtin).status()), "gtin: check digit is 2, expected 1");
  v1::Subjects bad_phash;
  bad_phash.set_image_phash("abcd");
  EXPECT_EQ(Message(Subjects(bad_phash).status()), "image_phash: is 2 bytes, expected 8 to 64");
  v1::Subjects bad_serial;
  bad_serial.set_gtin("4006381333931");
  bad_serial.set_serial("SÉRIE");
  EXPECT_THAT(Message(Subjects(bad_serial).status()),
              HasSubstr("serial: contains a character outside the GS1 character set"));
}

TEST(ReasonCodeTest, TheClosedSetHasStableNames) {
  EXPECT_EQ(ReasonCodeName(v1::REASON_CODE_CLONE_SUSPECTED), "clone_suspected");
  EXPECT_EQ(ReasonCodeName(v1::REASON_CODE_EXPIRED), "expired");
  EXPECT_EQ(ReasonCodeName(v1::REASON_CODE_UNSPECIFIED), "");
  EXPECT_EQ(ReasonCodeName(v1::REASON_CODE_NOT_COMMISSIONED), "not_commissioned");
  EXPECT_EQ(ReasonCodeName(v1::REASON_CODE_LOCAL_OVERRIDE), "local_override");
  // Every evidence kind's evidence is a reason code of the same name (the
  // lifecycle kinds answer with their own codes: commissioned, ...).
  for (int k = v1::SignalKind_MIN + 1; k <= v1::SignalKind_MAX; ++k) {
    if (IsLifecycleKind(k)) {
      continue;
    }
    auto kind = static_cast<v1::SignalKind>(k);
    auto code = static_cast<v1::ReasonCode>(k);
    EXPECT_EQ(ReasonCodeName(code), SignalKindName(kind)) << k;
  }
}

TEST(SignalKindTest, NamesRoundTrip) {
  for (int k = v1::SignalKind_MIN + 1; k <= v1::SignalKind_MAX; ++k) {
    auto kind = static_cast<v1::SignalKind>(k);
    EXPECT_EQ(ParseSignalKind(SignalKindName(kind)), kind);
  }
  EXPECT_EQ(SignalKindName(v1::SIGNAL_KIND_UNIT_SOLD), "unit_sold");
  EXPECT_EQ(ParseSignalKind("Unit_Sold"), v1::SIGNAL_KIND_UNSPECIFIED);
  EXPECT_EQ(ParseSignalKind("unspecified"), v1::SIGNAL_KIND_UNSPECIFIED);
  EXPECT_EQ(SubjectTypeName(v1::SUBJECT_TYPE_NFC_UID), "nfc_uid");
}

}  // namespace
}  // namespace authnet
