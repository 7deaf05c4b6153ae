#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "authnet/v1/admin.pb.h"
#include "authnet/v1/checkout.pb.h"
#include "node/core/digester.h"
#include "node/core/subject_normalizer.h"

namespace authnet {

// kOverridesMetaKey is where the store keeps the overrides (its meta table,
// shared by a member's replicas).
inline constexpr char kOverridesMetaKey[] = "overrides";

// OverrideTable holds this node's local overrides (authnetctl override): a
// decision its operators set for some subjects, which applies to a check
// naming all of them. Subjects are kept as keyed digests under the node's
// own mac key (Digester::Mac), which no other node holds and which does not
// change when the network keys rotate; nothing of them is ever shared. A
// check of a unit or lot also names its GTIN, so an override of a GTIN
// covers its units.
// A deny override wins over an allow one. Thread-safe.
class OverrideTable {
 public:
  // KeysOf makes an override's keys from its normalized subjects, sorted.
  static std::vector<std::string> KeysOf(const std::vector<NormalizedSubject>& subjects,
                                         const Digester& digester);

  // Load replaces the table with what Serialized() wrote; false (and the
  // table unchanged) if `stored` does not parse.
  bool Load(const std::string& stored) ABSL_LOCKS_EXCLUDED(mu_);
  std::string Serialized() const ABSL_LOCKS_EXCLUDED(mu_);

  // Add gives `o` the next id and adds it.
  v1::Override Add(v1::Override o) ABSL_LOCKS_EXCLUDED(mu_);
  // Remove takes out override `id`; nullopt if there is none.
  std::optional<v1::Override> Remove(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<v1::Override> List() const ABSL_LOCKS_EXCLUDED(mu_);
  // NextId is the id the next Add gives (ids are never reused).
  uint64_t NextId() const ABSL_LOCKS_EXCLUDED(mu_);

  // Apply sets `resp`'s decision from the override that applies to a check
  // of `subjects` on `today`, if any, with a reason local_override naming
  // it. Costs one MAC per subject, and nothing while the table is empty.
  void Apply(const std::vector<NormalizedSubject>& subjects, const Digester& digester,
             uint32_t today, v1::CheckResponse* resp) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  std::atomic<bool> empty_{true};
  mutable absl::Mutex mu_;
  v1::ListOverridesResponse table_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

// ValidateOverride checks an AddOverrideRequest's fields other than its
// subjects: an allow or deny decision, a reason of 1..500 bytes without
// control characters, an expiry of at most 3650 days. INVALID_ARGUMENT
// naming the field.
[[nodiscard]] absl::Status ValidateOverride(const v1::AddOverrideRequest& req);

}  // namespace authnet
