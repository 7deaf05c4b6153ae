#include "node/core/subject_normalizer.h"

#include <string>

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

TEST(NormalizeTextTest, TrimsAndFoldsAsciiCase) {
  EXPECT_EQ(*NormalizeText("seller", "  ACME Store\t\n"), "acme store");
  EXPECT_EQ(*NormalizeText("serial", "SN-0042-X"), "sn-0042-x");
  // Inner white space is kept; only the ends are trimmed.
  EXPECT_EQ(*NormalizeText("seller", "a  b"), "a  b");
  // Non-ASCII letters pass through unchanged (no locale-dependent folding).
  EXPECT_EQ(*NormalizeText("supplier", "Müller GmbH"), "müller gmbh");
  EXPECT_EQ(*NormalizeText("supplier", "ÉCOLE"), "École");
}

TEST(NormalizeTextTest, RejectsEmptyLongControlAndInvalidUtf8) {
  EXPECT_EQ(Message(NormalizeText("seller", " \t ").status()), "seller: is empty");
  EXPECT_EQ(*NormalizeText("seller", std::string(128, 'x')), std::string(128, 'x'));
  EXPECT_EQ(Message(NormalizeText("seller", std::string(129, 'x')).status()),
            "seller: is 129 bytes, at most 128 allowed");
  EXPECT_EQ(Message(NormalizeText("serial", std::string("a\0b", 3)).status()),
            "serial: contains a control character");
  EXPECT_EQ(Message(NormalizeText("serial", "a\x7f").status()),
            "serial: contains a control character");
  EXPECT_EQ(Message(NormalizeText("lot", "\xff\xfe").status()), "lot: is not valid UTF-8");
  EXPECT_EQ(Message(NormalizeText("lot", "\xc0\xaf").status()),
            "lot: is not valid UTF-8");  // overlong
  EXPECT_EQ(Message(NormalizeText("lot", "\xed\xa0\x80").status()),
            "lot: is not valid UTF-8");  // surrogate
  EXPECT_EQ(Message(NormalizeText("lot", "ab\xc3").status()), "lot: is not valid UTF-8");
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

TEST(NormalizeSubjectsTest, MapsFieldsToSubjectTypes) {
  v1::Subjects s;
  s.set_gtin("4006381333931");
  s.set_serial(" SN-1 ");
  s.set_lot("L42");
  s.set_seller("Shop");
  s.set_nfc_uid("04:A2:3B:1C");
  absl::StatusOr<std::vector<NormalizedSubject>> out = NormalizeSubjects(s);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 4u);
  EXPECT_EQ((*out)[0].type, v1::SUBJECT_TYPE_UNIT);
  EXPECT_EQ((*out)[0].value, "04006381333931:sn-1");
  EXPECT_EQ((*out)[1].type, v1::SUBJECT_TYPE_LOT);
  EXPECT_EQ((*out)[1].value, "04006381333931:l42");
  EXPECT_EQ((*out)[2].type, v1::SUBJECT_TYPE_SELLER);
  EXPECT_EQ((*out)[2].value, "shop");
  EXPECT_EQ((*out)[3].type, v1::SUBJECT_TYPE_NFC_UID);
  EXPECT_EQ((*out)[3].value, "04a23b1c");
}

TEST(NormalizeSubjectsTest, GtinAloneIsAGtinSubject) {
  v1::Subjects s;
  s.set_gtin("96385074");
  absl::StatusOr<std::vector<NormalizedSubject>> out = NormalizeSubjects(s);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].type, v1::SUBJECT_TYPE_GTIN);
  EXPECT_EQ((*out)[0].value, "00000096385074");
}

TEST(NormalizeSubjectsTest, ErrorsNameTheField) {
  v1::Subjects none;
  EXPECT_THAT(Message(NormalizeSubjects(none).status()), HasSubstr("subjects: "));
  v1::Subjects serial_only;
  serial_only.set_serial("x");
  EXPECT_EQ(Message(NormalizeSubjects(serial_only).status()), "serial: requires gtin");
  v1::Subjects lot_only;
  lot_only.set_lot("x");
  EXPECT_EQ(Message(NormalizeSubjects(lot_only).status()), "lot: requires gtin");
  v1::Subjects bad_gtin;
  bad_gtin.set_gtin("4006381333932");
  bad_gtin.set_seller("shop");
  EXPECT_EQ(NormalizeSubjects(bad_gtin).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(NormalizeSubjects(bad_gtin).status()), "gtin: check digit is 2, expected 1");
  v1::Subjects bad_phash;
  bad_phash.set_image_phash("abcd");
  EXPECT_EQ(Message(NormalizeSubjects(bad_phash).status()),
            "image_phash: is 2 bytes, expected 8 to 64");
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
