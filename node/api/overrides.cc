#include "node/api/overrides.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

constexpr size_t kMaxReasonBytes = 500;
constexpr uint32_t kMaxExpiresDays = 3650;

bool Covers(const v1::Override& o, const std::vector<std::string>& check_keys) {
  // An override names at least one subject; one without keys (a damaged
  // table) covers nothing rather than everything.
  return !o.keys().empty() &&
         std::all_of(o.keys().begin(), o.keys().end(), [&](const std::string& k) {
           return std::binary_search(check_keys.begin(), check_keys.end(), k);
         });
}

}  // namespace

absl::Status ValidateOverride(const v1::AddOverrideRequest& req) {
  if (req.decision() != v1::DECISION_ALLOW && req.decision() != v1::DECISION_DENY) {
    return absl::InvalidArgumentError("decision: must be allow or deny");
  }
  if (req.reason().empty() || req.reason().size() > kMaxReasonBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: ", req.reason().size(), " bytes; say why in 1 to ", kMaxReasonBytes));
  }
  const std::string& reason = req.reason();
  for (size_t i = 0; i < reason.size(); ++i) {
    const auto c = static_cast<unsigned char>(reason[i]);
    const bool c1 = c == 0xc2 && i + 1 < reason.size() &&
                    static_cast<unsigned char>(reason[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(reason[i + 1]) <= 0x9f;
    if (c < 0x20 || c == 0x7f || c1) {
      return absl::InvalidArgumentError("reason: holds a control character");
    }
  }
  if (req.expires_days() > kMaxExpiresDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("expires_days: ", req.expires_days(), ", at most ", kMaxExpiresDays));
  }
  return absl::OkStatus();
}

std::vector<std::string> OverrideTable::KeysOf(const std::vector<NormalizedSubject>& subjects,
                                               const Digester& digester) {
  std::vector<std::string> keys;
  for (const NormalizedSubject& s : subjects) {
    keys.push_back(digester.Mac(absl::StrCat("override/", SubjectTypeName(s.type)), s.value));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

bool OverrideTable::Load(const std::string& stored) {
  v1::ListOverridesResponse table;
  if (!table.ParseFromString(stored)) {
    return false;
  }
  absl::MutexLock lock(&mu_);
  table_ = std::move(table);
  next_id_ = std::max<uint64_t>(1, table_.next_id());
  for (const v1::Override& o : table_.overrides()) {
    next_id_ = std::max(next_id_, o.id() + 1);
  }
  empty_.store(table_.overrides().empty());
  return true;
}

std::string OverrideTable::Serialized() const {
  absl::MutexLock lock(&mu_);
  return table_.SerializeAsString();
}

v1::Override OverrideTable::Add(v1::Override o) {
  absl::MutexLock lock(&mu_);
  o.set_id(next_id_++);
  table_.set_next_id(next_id_);
  *table_.add_overrides() = o;
  empty_.store(false);
  return o;
}

std::optional<v1::Override> OverrideTable::Remove(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto* all = table_.mutable_overrides();
  for (int i = 0; i < all->size(); ++i) {
    if (all->Get(i).id() == id) {
      v1::Override gone = all->Get(i);
      all->erase(all->begin() + i);
      empty_.store(all->empty());
      return gone;
    }
  }
  return std::nullopt;
}

uint64_t OverrideTable::NextId() const {
  absl::MutexLock lock(&mu_);
  return next_id_;
}

std::vector<v1::Override> OverrideTable::List() const {
  absl::MutexLock lock(&mu_);
  return {table_.overrides().begin(), table_.overrides().end()};
}

void OverrideTable::Apply(const std::vector<NormalizedSubject>& subjects, const Digester& digester,
                          uint32_t today, v1::CheckResponse* resp) const {
  if (empty_.load(std::memory_order_relaxed)) {
    return;
  }
  // A unit or lot also names its GTIN: an override of the GTIN covers them.
  std::vector<NormalizedSubject> named = subjects;
  for (const NormalizedSubject& s : subjects) {
    if (s.type == v1::SUBJECT_TYPE_UNIT || s.type == v1::SUBJECT_TYPE_LOT) {
      named.push_back({v1::SUBJECT_TYPE_GTIN, s.value.substr(0, 14)});
    }
  }
  const std::vector<std::string> keys = KeysOf(named, digester);
  const v1::Override* chosen = nullptr;
  absl::MutexLock lock(&mu_);
  for (const v1::Override& o : table_.overrides()) {
    if ((o.expires_day() != 0 && today >= o.expires_day()) || !Covers(o, keys)) {
      continue;
    }
    if (chosen == nullptr || o.decision() > chosen->decision()) {
      chosen = &o;  // deny over allow; the oldest of equals
    }
  }
  if (chosen == nullptr) {
    return;
  }
  resp->set_decision(chosen->decision());
  v1::Reason* r = resp->add_reasons();
  r->set_subject_type(chosen->subject_types().empty() ? v1::SUBJECT_TYPE_UNSPECIFIED
                                                      : chosen->subject_types(0));
  r->set_code(ReasonCodeName(v1::REASON_CODE_LOCAL_OVERRIDE));
  r->set_local(true);
  r->set_members(1);
  r->set_summary(absl::StrCat("local override ", chosen->id(), ": ",
                              chosen->decision() == v1::DECISION_DENY ? "deny" : "allow",
                              " (authnetctl override list)"));
  // The override decides: first among the reasons.
  auto* reasons = resp->mutable_reasons();
  std::rotate(reasons->begin(), reasons->end() - 1, reasons->end());
}

}  // namespace authnet
