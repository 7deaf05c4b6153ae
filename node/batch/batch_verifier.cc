#include "node/batch/batch_verifier.h"

#include "absl/strings/str_cat.h"
#include "node/batch/batch_signing.h"
#include "node/batch/lifecycle_rules.h"
#include "node/crypto/ed25519_key.h"

namespace authnet {
namespace {

absl::Status CheckRecord(const v1::Record& r, uint64_t want_seq, uint32_t today) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("record ", want_seq, ": ", what));
  };
  if (r.seq() != want_seq) {
    return bad(absl::StrCat("has seq ", r.seq(), " out of order"));
  }
  if (r.key_epoch() == 0) {
    return bad("key_epoch is 0");
  }
  if (!v1::SubjectType_IsValid(r.subject_type()) ||
      r.subject_type() == v1::SUBJECT_TYPE_UNSPECIFIED ||
      r.subject_type() == v1::SUBJECT_TYPE_COMPANY_PREFIX) {
    return bad("unknown subject_type");
  }
  if (!v1::SignalKind_IsValid(r.kind()) || r.kind() == v1::SIGNAL_KIND_UNSPECIFIED) {
    return bad("unknown kind");
  }
  if (absl::Status st = CheckRecordFields(r); !st.ok()) {
    return bad(st.message());
  }
  if (r.weight_milli() > 1000) {
    return bad("weight above 1");
  }
  if (r.retracts_seq() >= r.seq()) {
    return bad("retracts a record that does not precede it");
  }
  if (r.day() > static_cast<uint64_t>(today) + kMaxFutureDays) {
    return absl::OutOfRangeError(absl::StrCat("record ", want_seq, ": dated day ", r.day(),
                                              ", more than ", kMaxFutureDays,
                                              " day after today (day ", today, ")"));
  }
  if (r.ttl_days() == 0 || r.ttl_days() > kMaxTtlDays) {
    return absl::OutOfRangeError(absl::StrCat("record ", want_seq, ": ttl_days ", r.ttl_days(),
                                              " is outside 1..", kMaxTtlDays));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::BatchBody> VerifyBatch(const v1::SignedBatch& batch, const Roster& roster,
                                          uint32_t today) {
  if (batch.body().size() > kMaxBatchBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch body is ", batch.body().size(), " bytes, more than ", kMaxBatchBytes));
  }
  v1::BatchBody body;
  if (!body.ParseFromString(batch.body())) {
    return absl::InvalidArgumentError("batch body does not parse");
  }
  // Nothing the body says is repeated in a message before its signature
  // holds: a forged batch must not be able to put another member's name, or
  // a line of its own, into this node's log.
  const v1::RosterMember* origin = roster.Find(body.origin());
  if (origin == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("batch names an origin that is not in roster version ", roster.version()));
  }
  if (!crypto::VerifyEd25519(origin->signing_public_key(), BatchSignedMessage(batch.body()),
                             batch.signature())) {
    return absl::PermissionDeniedError(
        "batch fails the signature of the origin it names (forged, damaged, or signed with "
        "another key)");
  }
  if (body.network() != roster.network()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch of ", body.origin(), " is for another network than ", roster.network()));
  }
  if (origin->status() != v1::MEMBER_STATUS_ACTIVE) {
    return absl::PermissionDeniedError(
        absl::StrCat("batch origin '", body.origin(), "' is not an active member"));
  }
  int n = body.records_size();
  if (n == 0 || n > kMaxBatchRecords || body.first_seq() == 0 ||
      body.last_seq() != body.first_seq() + static_cast<uint64_t>(n) - 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch ", body.origin(), " ", body.first_seq(),
                                                   "..", body.last_seq(), " holds ", n,
                                                   " records, which does not match its range"));
  }
  for (int i = 0; i < n; ++i) {
    if (absl::Status st = CheckRecord(body.records(i), body.first_seq() + i, today); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat("batch ", body.origin(), " ", body.first_seq(),
                                                  "..", body.last_seq(), ": ", st.message()));
    }
  }
  return body;
}

}  // namespace authnet
