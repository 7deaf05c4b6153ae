#include "node/core/digester.h"

#include <openssl/hmac.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "node/core/string_view_compat.h"
#include "node/core/subject_normalizer.h"

namespace authnet {

Digest Digester::Make(v1::SubjectType type, std::string_view normalized_value) const {
  Digest d;
  d.epoch = keys_.CurrentEpoch();
  const NetworkKey& key = keys_.Key(d.epoch);
  std::string message = absl::StrCat("authnet/v1/", AsAbsl(SubjectTypeName(type)),
                                     absl::string_view("\0", 1), AsAbsl(normalized_value));
  d.bytes.resize(32);
  unsigned int len = 32;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
           reinterpret_cast<unsigned char*>(d.bytes.data()), &len) == nullptr ||
      len != 32) {
    // HMAC-SHA256 over memory cannot fail short of a broken OpenSSL build;
    // carrying on would yield a digest that matches nothing.
    std::abort();
  }
  return d;
}

}  // namespace authnet
