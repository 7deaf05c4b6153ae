#include "node/core/digester.h"

#include <openssl/crypto.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "node/core/subject_normalizer.h"

namespace authnet {

Digester::Digester(NetworkKeys keys) : keys_(std::move(keys)) {
  const NetworkKey& key = keys_.Key(keys_.CurrentEpoch());
  static_assert(sizeof(NetworkKey) <= SHA256_CBLOCK);
  unsigned char ipad[SHA256_CBLOCK];
  unsigned char opad[SHA256_CBLOCK];
  for (size_t i = 0; i < SHA256_CBLOCK; ++i) {
    unsigned char k = i < key.size() ? key[i] : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, ipad, sizeof(ipad));
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, opad, sizeof(opad));
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
}

std::string Digester::Hmac(absl::string_view domain, absl::string_view value) const {
  static constexpr absl::string_view kPrefix = "authnet/v1/";
  SHA256_CTX ctx = inner_;
  SHA256_Update(&ctx, kPrefix.data(), kPrefix.size());
  SHA256_Update(&ctx, domain.data(), domain.size());
  SHA256_Update(&ctx, "\0", 1);
  SHA256_Update(&ctx, value.data(), value.size());
  unsigned char inner_hash[SHA256_DIGEST_LENGTH];
  SHA256_Final(inner_hash, &ctx);
  ctx = outer_;
  SHA256_Update(&ctx, inner_hash, sizeof(inner_hash));
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256_Final(reinterpret_cast<unsigned char*>(out.data()), &ctx);
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  return out;
}

Digest Digester::Make(v1::SubjectType type, absl::string_view normalized_value) const {
  return {Hmac(SubjectTypeName(type), normalized_value), keys_.CurrentEpoch()};
}

std::string Digester::Mac(absl::string_view domain, absl::string_view value) const {
  return Hmac(domain, value);
}

}  // namespace authnet
