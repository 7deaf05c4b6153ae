#include "node/core/text_normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace authnet {
namespace {

using ::testing::HasSubstr;

std::string Name(absl::string_view raw) {
  absl::StatusOr<std::string> out = NormalizeName("seller", raw);
  return out.ok() ? *out : "ERROR: " + std::string(out.status().message());
}

TEST(NormalizeNameTest, CanonicallyEqualNamesAreEqual) {
  const std::string want = Name("Müller Shop");
  EXPECT_EQ(want, "müller shop");
  EXPECT_EQ(Name("MÜLLER  SHOP"), want);       // case, a run of spaces
  EXPECT_EQ(Name("Mu\u0308ller Shop"), want);  // decomposed ü
  EXPECT_EQ(Name("\uff2d\u00dc\uff2c\uff2c\uff25\uff32\u3000\uff33\uff28\uff2f\uff30"),
            want);                                         // fullwidth
  EXPECT_EQ(Name(" \tMüller\u00a0\u2003Shop\n"), want);    // NBSP, em space, ends
  EXPECT_EQ(Name("Mül\u200bler\u200d Sh\u00adop"), want);  // zero-width, soft hyphen: removed
  EXPECT_NE(Name("Muller Shop"), want);                    // u is not ü
}

TEST(NormalizeNameTest, FullCaseFoldingNotTurkic) {
  EXPECT_EQ(Name("Straße"), Name("STRASSE"));
  EXPECT_EQ(Name("Straße"), "strasse");
  EXPECT_EQ(Name("ΣΟΦΙΑ"), Name("σοφια"));
  // Default folding: İ (U+0130) is i + combining dot above, not i or I.
  EXPECT_EQ(Name("İzmir"), "i\u0307zmir");
  EXPECT_NE(Name("İzmir"), Name("IZMIR"));
  EXPECT_EQ(Name("ﬁne"), "fine");  // compatibility ligature
}

TEST(NormalizeNameTest, RefusesWhatIsNotText) {
  EXPECT_EQ(Name(" \t\u200b "), "ERROR: seller: is empty");
  EXPECT_EQ(Name(std::string("a\0b", 3)), "ERROR: seller: contains a control character");
  EXPECT_EQ(Name("a\x7f"), "ERROR: seller: contains a control character");
  EXPECT_EQ(Name("a\x1d"
                 "b"),
            "ERROR: seller: contains a control character");
  EXPECT_EQ(Name("\xff\xfe"), "ERROR: seller: is not valid UTF-8");
  EXPECT_EQ(Name("\xc0\xaf"), "ERROR: seller: is not valid UTF-8");      // overlong
  EXPECT_EQ(Name("\xed\xa0\x80"), "ERROR: seller: is not valid UTF-8");  // surrogate
  EXPECT_EQ(Name("ab\xc3"), "ERROR: seller: is not valid UTF-8");
  EXPECT_THAT(Name("shop\ue000"), HasSubstr("U+E000, which is unassigned, private-use"));
  EXPECT_THAT(Name("shop\U0010ffff"), HasSubstr("U+10FFFF"));
  EXPECT_EQ(Name(std::string(128, 'x')), std::string(128, 'x'));
  EXPECT_EQ(Name(std::string(129, 'x')),
            "ERROR: seller: is 129 bytes once normalized, at most 128 allowed");
  EXPECT_EQ(Name(std::string(513, 'x')), "ERROR: seller: is 513 bytes, at most 512 allowed");
  // 40 fullwidth letters are 120 bytes raw but 40 once normalized.
  std::string wide;
  for (int i = 0; i < 40; ++i) {
    wide += "\uff21";
  }
  EXPECT_EQ(Name(wide), std::string(40, 'a'));
}

TEST(NormalizeNameTest, NormalizingTwiceChangesNothing) {
  for (const char* raw : {"Müller  Shop", "İzmir", "Straße", "ＡＢＣ\u3000d", "a\u200bb"}) {
    std::string once = Name(raw);
    EXPECT_EQ(Name(once), once) << raw;
  }
}

// The ASCII fast path must give what ICU gives.
TEST(NormalizeNameTest, AsciiFastPathAgreesWithIcu) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  ASSERT_TRUE(U_SUCCESS(status));
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> printable(0x20, 0x7e);
  for (int n = 0; n < 2000; ++n) {
    std::string raw;
    for (int i = 0; i < 1 + n % 40; ++i) {
      raw.push_back(static_cast<char>(printable(rng)));
    }
    std::string folded;
    icu::StringByteSink<std::string> sink(&folded);
    nfkc_cf->normalizeUTF8(0, icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())), sink,
                           nullptr, status);
    // ICU folds; collapse spaces as NormalizeName does.
    std::string want;
    for (char c : folded) {
      if (c == ' ' && (want.empty() || want.back() == ' ')) {
        continue;
      }
      want.push_back(c);
    }
    while (!want.empty() && want.back() == ' ') {
      want.pop_back();
    }
    if (want.empty()) {
      continue;
    }
    EXPECT_EQ(Name(raw), want) << raw;
  }
}

TEST(NormalizeGs1TextTest, KeepsCaseTrimsAndChecksTheCharacterSet) {
  EXPECT_EQ(*NormalizeGs1Text("serial", "21", " ABC-123/x "), "ABC-123/x");
  EXPECT_NE(*NormalizeGs1Text("serial", "21", "ABC123"),
            *NormalizeGs1Text("serial", "21", "abc123"));
  EXPECT_EQ(*NormalizeGs1Text("lot", "10", "!\"%&'()*+,-./:;<=>?_"), "!\"%&'()*+,-./:;<=>?_");
  EXPECT_EQ(*NormalizeGs1Text("serial", "21", std::string(20, 'Z')), std::string(20, 'Z'));
  EXPECT_EQ(NormalizeGs1Text("serial", "21", std::string(21, 'Z')).status().message(),
            "serial: is 21 characters, at most 20 allowed (GS1 AI (21))");
  for (const char* bad : {"A B", "SN#1", "SÉRIE", "a\tb", "x@y", "[1]"}) {
    absl::StatusOr<std::string> out = NormalizeGs1Text("lot", "10", bad);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(out.status().message()),
                HasSubstr("lot: contains a character outside the GS1 character set of AI (10)"))
        << bad;
  }
  EXPECT_EQ(NormalizeGs1Text("serial", "21", "  ").status().message(), "serial: is empty");
}

}  // namespace
}  // namespace authnet
