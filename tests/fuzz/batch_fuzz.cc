// Batch decoding and signature verification, as a peer's Pull response is
// checked before anything of it is stored. The first byte picks the input's
// shape: even, a SignedBatch as it arrives (forged signatures and all);
// odd, a BatchBody the target signs with a member's key, so verification
// reaches the records. Whatever VerifyBatch accepts must hold what the
// store and the model rely on, and a flipped byte must never verify.
#include "node/write/report_writer.h"
#include "node/batch/batch_verifier.h"
#include "tests/fuzz/fuzz_fixture.h"

using namespace authnet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  v1::SignedBatch batch;
  if (data[0] & 1) {
    v1::BatchBody body;
    if (!body.ParseFromString(rest)) {
      return 0;
    }
    body.set_network(fuzz::kNetwork);
    batch.set_body(body.SerializeAsString());
    absl::StatusOr<std::string> sig = fuzz::MemberKey().Sign(BatchSignedMessage(batch.body()));
    FUZZ_INVARIANT(sig.ok());
    batch.set_signature(*sig);
  } else if (!batch.ParseFromString(rest)) {
    return 0;
  }

  const Roster& roster = fuzz::FixedRoster();
  absl::StatusOr<v1::BatchBody> verified = VerifyBatch(batch, roster, fuzz::kToday);
  if (!verified.ok()) {
    absl::StatusCode code = verified.status().code();
    FUZZ_INVARIANT(code == absl::StatusCode::kInvalidArgument ||
                   code == absl::StatusCode::kPermissionDenied ||
                   code == absl::StatusCode::kOutOfRange);
    return 0;
  }
  const v1::BatchBody& b = *verified;
  const v1::RosterMember* origin = roster.Find(b.origin());
  FUZZ_INVARIANT(origin != nullptr && origin->status() == v1::MEMBER_STATUS_ACTIVE);
  FUZZ_INVARIANT(b.network() == fuzz::kNetwork);
  FUZZ_INVARIANT(b.records_size() >= 1 && b.records_size() <= kMaxBatchRecords);
  FUZZ_INVARIANT(b.first_seq() >= 1);
  FUZZ_INVARIANT(b.last_seq() - b.first_seq() + 1 == static_cast<uint64_t>(b.records_size()));
  for (int i = 0; i < b.records_size(); ++i) {
    const v1::Record& r = b.records(i);
    FUZZ_INVARIANT(r.seq() == b.first_seq() + static_cast<uint64_t>(i));
    FUZZ_INVARIANT(r.digest().size() == 32);
    FUZZ_INVARIANT(r.key_epoch() >= 1);
    FUZZ_INVARIANT(r.weight_milli() <= 1000);
    FUZZ_INVARIANT(r.retracts_seq() < r.seq());
    FUZZ_INVARIANT(r.day() <= fuzz::kToday + kMaxFutureDays);
    FUZZ_INVARIANT(r.ttl_days() >= 1 && r.ttl_days() <= kMaxTtlDays);
  }

  // The signature covers every byte of the body.
  v1::SignedBatch tampered = batch;
  std::string* body = tampered.mutable_body();
  (*body)[size % body->size()] ^= static_cast<char>(1 + data[0] % 255);
  FUZZ_INVARIANT(!VerifyBatch(tampered, roster, fuzz::kToday).ok());
  return 0;
}
