#include "node/model/unit_lifecycle.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace authnet {
namespace {

constexpr size_t kMinMergeAt = 1 << 16;

uint16_t ClampDay(uint32_t day) {
  return static_cast<uint16_t>(std::min<uint32_t>(day, std::numeric_limits<uint16_t>::max()));
}

}  // namespace

uint64_t UnitLifecycle::Key8(absl::string_view bytes) {
  uint64_t key = 0;
  std::memcpy(&key, bytes.data(), std::min(bytes.size(), sizeof(key)));
  return key;
}

void UnitLifecycle::UnitSet::Add(absl::string_view packed, uint16_t expire_day) {
  for (size_t at = 0; at + 8 <= packed.size(); at += 8) {
    uint16_t& e = pending_[Key8(packed.substr(at, 8))];
    e = std::max(e, expire_day);
  }
  if (pending_.size() >= std::max(kMinMergeAt, keys_.size() / 8)) {
    Merge();
  }
}

void UnitLifecycle::UnitSet::Merge() {
  std::vector<std::pair<uint64_t, uint16_t>> fresh(pending_.begin(), pending_.end());
  pending_ = {};
  std::sort(fresh.begin(), fresh.end());
  std::vector<uint64_t> keys;
  std::vector<uint16_t> expire;
  keys.reserve(keys_.size() + fresh.size());
  expire.reserve(keys_.size() + fresh.size());
  size_t i = 0;
  size_t j = 0;
  while (i < keys_.size() || j < fresh.size()) {
    if (j == fresh.size() || (i < keys_.size() && keys_[i] < fresh[j].first)) {
      keys.push_back(keys_[i]);
      expire.push_back(expire_[i++]);
    } else if (i == keys_.size() || fresh[j].first < keys_[i]) {
      keys.push_back(fresh[j].first);
      expire.push_back(fresh[j++].second);
    } else {
      keys.push_back(keys_[i]);
      expire.push_back(std::max(expire_[i++], fresh[j++].second));
    }
  }
  keys_ = std::move(keys);
  expire_ = std::move(expire);
}

void UnitLifecycle::UnitSet::Remove(absl::string_view packed) {
  Merge();
  std::vector<uint64_t> gone;
  for (size_t at = 0; at + 8 <= packed.size(); at += 8) {
    gone.push_back(Key8(packed.substr(at, 8)));
  }
  std::sort(gone.begin(), gone.end());
  size_t out = 0;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (!std::binary_search(gone.begin(), gone.end(), keys_[i])) {
      keys_[out] = keys_[i];
      expire_[out++] = expire_[i];
    }
  }
  keys_.resize(out);
  expire_.resize(out);
  keys_.shrink_to_fit();
  expire_.shrink_to_fit();
}

uint16_t UnitLifecycle::UnitSet::ExpireDay(uint64_t key) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  uint16_t found = 0;
  if (it != keys_.end() && *it == key) {
    found = expire_[it - keys_.begin()];
  }
  if (auto p = pending_.find(key); p != pending_.end()) {
    found = std::max(found, p->second);
  }
  return found;
}

void UnitLifecycle::ApplyMark(MarkMap& map, uint16_t origin, const v1::Record& r,
                              uint32_t expire_day, int sign) {
  uint64_t key = Key8(r.digest());
  uint64_t prefix = Key8(r.prefix_digest());
  Marks& marks = map[key];
  auto it = std::find_if(marks.begin(), marks.end(), [&](const Mark& m) {
    return m.origin == origin && m.prefix == prefix && m.day == r.day() &&
           m.expire_day == expire_day;
  });
  if (sign > 0) {
    if (it == marks.end()) {
      marks.push_back({prefix, r.day(), expire_day, origin, 1});
    } else {
      ++it->count;
    }
    return;
  }
  if (it != marks.end() && --it->count == 0) {
    marks.erase(it);
  }
  if (marks.empty()) {
    map.erase(key);
  }
}

void UnitLifecycle::Apply(uint16_t origin, const v1::Record& r, uint32_t expire_day, int sign) {
  switch (r.kind()) {
    case v1::SIGNAL_KIND_UNIT_COMMISSIONED: {
      SetKey key{Key8(r.prefix_digest()), origin};
      if (sign > 0) {
        commissioned_[key].Add(r.unit_keys(), ClampDay(expire_day));
      } else if (auto it = commissioned_.find(key); it != commissioned_.end()) {
        it->second.Remove(r.unit_keys());
      }
      return;
    }
    case v1::SIGNAL_KIND_GTIN_SERIALIZED:
      ApplyMark(serialized_, origin, r, expire_day, sign);
      return;
    case v1::SIGNAL_KIND_UNIT_DECOMMISSIONED:
      ApplyMark(decommissioned_, origin, r, expire_day, sign);
      return;
    default:
      return;
  }
}

uint32_t UnitLifecycle::NewestMark(const MarkMap& map, uint16_t origin, uint64_t key,
                                   uint64_t prefix, uint32_t today) {
  auto it = map.find(key);
  if (it == map.end()) {
    return 0;
  }
  uint32_t newest = 0;
  for (const Mark& m : it->second) {
    if (m.origin == origin && m.prefix == prefix && today < m.expire_day && m.day <= today + 1) {
      newest = std::max(newest, std::max<uint32_t>(m.day, 1));
    }
  }
  return newest;
}

void UnitLifecycle::Find(uint16_t origin, const UnitQuery::Under& q, uint32_t today,
                         Found* found) const {
  const uint64_t prefix = Key8(absl::string_view(q.prefix.data(), q.prefix.size()));
  const uint64_t unit = Key8(absl::string_view(q.unit.data(), q.unit.size()));
  auto set = commissioned_.find(SetKey{prefix, origin});
  if (set != commissioned_.end()) {
    uint16_t expire = set->second.ExpireDay(unit);
    if (expire > today) {
      found->commissioned = std::max(found->commissioned, today);
    }
  }
  found->serialized =
      std::max(found->serialized,
               NewestMark(serialized_, origin,
                          Key8(absl::string_view(q.gtin.data(), q.gtin.size())), prefix, today));
  found->decommissioned =
      std::max(found->decommissioned, NewestMark(decommissioned_, origin, unit, prefix, today));
}

uint64_t UnitLifecycle::Units() const {
  uint64_t n = 0;
  for (const auto& [key, set] : commissioned_) {
    n += set.size();
  }
  return n;
}

}  // namespace authnet
