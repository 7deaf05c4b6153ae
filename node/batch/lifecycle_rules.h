#pragma once

#include "absl/status/status.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/roster.h"
#include "node/core/digester.h"

namespace authnet {

// Who may publish what (docs/architecture.md §2): the rules a batch's records must
// meet beyond their form, which depend on the origin's role.

// kMaxUnitKeys bounds the units one unit_commissioned record carries.
inline constexpr int kMaxUnitKeys = 8192;
// kUnitKeyBytes is the size of one unit key: the first bytes of the unit's
// digest.
inline constexpr size_t kUnitKeyBytes = 8;

// CheckRecordFields checks the fields a record's kind asks for: a lifecycle
// record has a 32-byte prefix_digest and the subject type of its kind
// (unit for unit_*, gtin for gtin_serialized); a unit_commissioned record
// carries 1..kMaxUnitKeys strictly ascending unit_keys and no digest, every
// other record a 32-byte digest and no unit_keys; a record of another kind
// has neither prefix_digest nor unit_keys. INVALID_ARGUMENT saying which.
[[nodiscard]] absl::Status CheckRecordFields(const v1::Record& r);

// CheckPublisher checks `body` (already verified by VerifyBatch) against
// its origin's role in `roster`: an observer publishes nothing, and only a
// brand publishes lifecycle records, each with the prefix_digest of one of
// the company prefixes its roster entry lists, under the record's key
// epoch (which `digester` must hold). PERMISSION_DENIED saying which
// record and why; FAILED_PRECONDITION when this node does not hold the
// key epoch yet (the batch is fetched again later).
[[nodiscard]] absl::Status CheckPublisher(const v1::BatchBody& body, const Roster& roster,
                                          const Digester& digester);

}  // namespace authnet
