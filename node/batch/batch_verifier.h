#pragma once

#include "absl/status/statusor.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/roster.h"

namespace authnet {

// kMaxBatchRecords bounds the records one batch may carry.
inline constexpr int kMaxBatchRecords = 65'536;
// A record may be dated at most this many days after the receiver's today
// (clock skew); later ones would escape decay and are refused.
inline constexpr uint32_t kMaxFutureDays = 1;
// Largest serialized batch body: 65,536 records of about 60 bytes, with
// room to spare (the writer also closes a batch before it reaches this:
// a unit_commissioned record carries up to 64 KiB of unit keys). peer_max_message_bytes may not go
// below kMaxBatchBytes plus a margin, so any batch a node accepts fits in a Pull response.
inline constexpr size_t kMaxBatchBytes = 6 << 20;
// Most days a record may count (model.record_ttl_days allows up to this).
inline constexpr uint32_t kMaxTtlDays = 36'500;

// VerifyBatch checks a batch received from a peer before anything of it is
// stored: the body parses, names an origin in `roster` whose key signed it
// over "authnet/v1/batch\0" + body (checked before anything else the body
// says is believed or repeated in a message), names this roster's network,
// comes from an active member, and holds well-formed consecutive records
// first_seq..last_seq, none dated after `today` + kMaxFutureDays nor with a
// ttl_days of 0 or above kMaxTtlDays. Returns the parsed body, or
// INVALID_ARGUMENT (malformed), PERMISSION_DENIED (not verified) or
// OUT_OF_RANGE (a date or ttl out of range) saying why the batch is
// refused. Thread-safe.
[[nodiscard]] absl::StatusOr<v1::BatchBody> VerifyBatch(const v1::SignedBatch& batch,
                                                        const Roster& roster, uint32_t today);

}  // namespace authnet
