#include "node/core/digester.h"

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "node/core/hex.h"
#include "node/core/network_keys.h"

namespace authnet {
namespace {

constexpr char kKeyHex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

NetworkKeys Keys(const std::string& text) {
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::Parse(text);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return *std::move(keys);
}

TEST(DigesterTest, KnownAnswer) {
  // Computed independently:
  //   printf 'authnet/v2/gtin\0%s' 04006381333931 |
  //     openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1e1f
  Digester digester(Keys(std::string("1 ") + kKeyHex));
  Digest d = digester.Make(v1::SUBJECT_TYPE_GTIN, "04006381333931");
  EXPECT_EQ(HexEncode(d.bytes), "9f6b400988a90c693718296d5e79a1a06b20134bb2f26b341826a210e8958465");
  EXPECT_EQ(d.epoch, 1u);
  //   printf 'authnet/v2/unit\0%s' '04006381333931:SN-001' | openssl dgst ... (same key)
  EXPECT_EQ(HexEncode(digester.Make(v1::SUBJECT_TYPE_UNIT, "04006381333931:SN-001").bytes),
            "8d6684c7a8e8bb0c78eb03a1f32b27c02abdad7261d867a26b3930018cf7e7e5");
}

TEST(DigesterTest, Deterministic) {
  Digester a(Keys(std::string("1 ") + kKeyHex));
  Digester b(Keys(std::string("1 ") + kKeyHex));
  EXPECT_EQ(a.Make(v1::SUBJECT_TYPE_SELLER, "shop").bytes,
            b.Make(v1::SUBJECT_TYPE_SELLER, "shop").bytes);
  EXPECT_EQ(a.Make(v1::SUBJECT_TYPE_SELLER, "shop").bytes.size(), 32u);
}

TEST(DigesterTest, SubjectTypesAreDomainSeparated) {
  Digester digester(Keys(std::string("1 ") + kKeyHex));
  std::set<std::string> seen;
  for (int t = v1::SubjectType_MIN + 1; t <= v1::SubjectType_MAX; ++t) {
    seen.insert(digester.Make(static_cast<v1::SubjectType>(t), "abcd1234").bytes);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(v1::SubjectType_MAX));
  // The same supplier and seller name are different subjects.
  EXPECT_NE(digester.Make(v1::SUBJECT_TYPE_SELLER, "acme").bytes,
            digester.Make(v1::SUBJECT_TYPE_SUPPLIER, "acme").bytes);
}

TEST(DigesterTest, DifferentKeysGiveDifferentDigests) {
  Digester a(Keys(std::string("1 ") + kKeyHex));
  Digester b(Keys("1 " + std::string(63, '0') + "1"));
  EXPECT_NE(a.Make(v1::SUBJECT_TYPE_GTIN, "04006381333931").bytes,
            b.Make(v1::SUBJECT_TYPE_GTIN, "04006381333931").bytes);
}

TEST(DigesterTest, UsesTheHighestEpoch) {
  std::string two = "1 " + std::string(64, 'a') + "\n2 " + kKeyHex + "\n";
  Digester digester(Keys(two));
  Digest d = digester.Make(v1::SUBJECT_TYPE_GTIN, "04006381333931");
  EXPECT_EQ(d.epoch, 2u);
  // Epoch 2 holds the known-answer key.
  EXPECT_EQ(HexEncode(d.bytes), "9f6b400988a90c693718296d5e79a1a06b20134bb2f26b341826a210e8958465");
}

TEST(NetworkKeysTest, GenerateSerializeParseRoundTrip) {
  absl::StatusOr<NetworkKeys> keys = NetworkKeys::Generate();
  ASSERT_TRUE(keys.ok());
  absl::StatusOr<NetworkKeys> again = NetworkKeys::Parse(keys->Serialize());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->CurrentEpoch(), 1u);
  EXPECT_EQ(again->Key(1), keys->Key(1));
  EXPECT_NE(NetworkKeys::Generate()->Key(1), keys->Key(1));
  EXPECT_EQ(std::string(NetworkKeys::Parse("1 abc").status().message()),
            "line 1: key must be 64 hex digits");
  EXPECT_FALSE(NetworkKeys::Parse("# only a comment\n").ok());
}

}  // namespace
}  // namespace authnet
