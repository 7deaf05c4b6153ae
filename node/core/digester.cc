#include "node/core/digester.h"

#include <openssl/hmac.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "node/core/subject_normalizer.h"

namespace authnet {

namespace {

std::string HmacSha256(const NetworkKey& key, absl::string_view message) {
  std::string out(32, '\0');
  unsigned int len = 32;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != 32) {
    // HMAC-SHA256 over memory cannot fail short of a broken OpenSSL build;
    // carrying on would yield a digest that matches nothing.
    std::abort();
  }
  return out;
}

}  // namespace

Digest Digester::Make(v1::SubjectType type, absl::string_view normalized_value) const {
  uint32_t epoch = keys_.CurrentEpoch();
  return {HmacSha256(keys_.Key(epoch), absl::StrCat("authnet/v1/", SubjectTypeName(type),
                                                    absl::string_view("\0", 1), normalized_value)),
          epoch};
}

std::string Digester::Mac(absl::string_view domain, absl::string_view value) const {
  return HmacSha256(keys_.Key(keys_.CurrentEpoch()),
                    absl::StrCat("authnet/v1/", domain, absl::string_view("\0", 1), value));
}

}  // namespace authnet
