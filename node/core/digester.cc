#include "node/core/digester.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "node/core/subject_normalizer.h"

namespace authnet {

Digester::Pads Digester::PadsOf(const uint8_t* key, size_t size) {
  unsigned char ipad[SHA256_CBLOCK];
  unsigned char opad[SHA256_CBLOCK];
  for (size_t i = 0; i < SHA256_CBLOCK; ++i) {
    unsigned char k = i < size ? key[i] : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  Pads pads;
  SHA256_Init(&pads.inner);
  SHA256_Update(&pads.inner, ipad, sizeof(ipad));
  SHA256_Init(&pads.outer);
  SHA256_Update(&pads.outer, opad, sizeof(opad));
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
  return pads;
}

Digester::Digester(NetworkKeys keys, std::string mac_key) : keys_(std::move(keys)) {
  static_assert(sizeof(NetworkKey) <= SHA256_CBLOCK);
  epochs_ = keys_.Epochs();
  for (uint32_t epoch : epochs_) {
    const NetworkKey& key = keys_.Key(epoch);
    pads_.push_back(PadsOf(key.data(), key.size()));
  }
  if (mac_key.empty()) {
    mac_ = pads_.back();
  } else {
    mac_ = PadsOf(reinterpret_cast<const uint8_t*>(mac_key.data()),
                  std::min<size_t>(mac_key.size(), SHA256_CBLOCK));
    OPENSSL_cleanse(mac_key.data(), mac_key.size());
  }
}

std::string Digester::Hmac(const Pads& pads, absl::string_view prefix, absl::string_view domain,
                           absl::string_view value) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  Hmac(pads, prefix, domain, value, out.data());
  return out;
}

void Digester::Hmac(const Pads& pads, absl::string_view prefix, absl::string_view domain,
                    absl::string_view value, char* out) {
  SHA256_CTX ctx = pads.inner;
  SHA256_Update(&ctx, prefix.data(), prefix.size());
  SHA256_Update(&ctx, domain.data(), domain.size());
  SHA256_Update(&ctx, "\0", 1);
  SHA256_Update(&ctx, value.data(), value.size());
  unsigned char inner_hash[SHA256_DIGEST_LENGTH];
  SHA256_Final(inner_hash, &ctx);
  ctx = pads.outer;
  SHA256_Update(&ctx, inner_hash, sizeof(inner_hash));
  SHA256_Final(reinterpret_cast<unsigned char*>(out), &ctx);
  OPENSSL_cleanse(&ctx, sizeof(ctx));
}

const Digester::Pads& Digester::PadsFor(uint32_t epoch) const {
  auto it = std::lower_bound(epochs_.begin(), epochs_.end(), epoch);
  if (it == epochs_.end() || *it != epoch) {
    std::abort();  // a caller bug: MakeUnder's epoch must be one of Epochs()
  }
  return pads_[static_cast<size_t>(it - epochs_.begin())];
}

Digest Digester::Make(v1::SubjectType type, absl::string_view normalized_value) const {
  return {Hmac(pads_.back(), kSubjectDomain, SubjectTypeName(type), normalized_value),
          epochs_.back()};
}

DigestBytes Digester::MakeUnder(uint32_t epoch, v1::SubjectType type,
                                absl::string_view normalized_value) const {
  DigestBytes out;
  Hmac(PadsFor(epoch), kSubjectDomain, SubjectTypeName(type), normalized_value, out.data());
  return out;
}

DigestBytes Digester::MakeNewest(v1::SubjectType type, absl::string_view normalized_value) const {
  DigestBytes out;
  Hmac(pads_.back(), kSubjectDomain, SubjectTypeName(type), normalized_value, out.data());
  return out;
}

std::string Digester::Mac(absl::string_view domain, absl::string_view value) const {
  return Hmac(mac_, kMacDomain, domain, value);
}

}  // namespace authnet
