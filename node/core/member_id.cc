#include "node/core/member_id.h"

namespace authnet {

bool IsValidMemberId(absl::string_view id) {
  if (id.size() < 3 || id.size() > 32) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i > 0 && c == '-')) {
      return false;
    }
  }
  return true;
}

bool IsValidNetworkName(absl::string_view name) { return IsValidMemberId(name); }

}  // namespace authnet
