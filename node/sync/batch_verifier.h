#pragma once

#include "absl/status/statusor.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/roster.h"

namespace authnet {

// kMaxBatchRecords bounds the records one batch may carry.
inline constexpr int kMaxBatchRecords = 65'536;

// VerifyBatch checks a batch received from a peer before anything of it is
// stored: the body parses, names this roster's network, comes from an
// active member of `roster`, is signed by that member's key over
// "authnet/v1/batch\0" + body, and holds well-formed consecutive records
// first_seq..last_seq. Returns the parsed body, or INVALID_ARGUMENT /
// PERMISSION_DENIED saying why the batch is refused. Thread-safe.
[[nodiscard]] absl::StatusOr<v1::BatchBody> VerifyBatch(const v1::SignedBatch& batch,
                                                        const Roster& roster);

}  // namespace authnet
