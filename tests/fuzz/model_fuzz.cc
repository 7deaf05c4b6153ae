// Applying records to the model. The input is a list of chunks; each is a
// BatchBody from the member its first byte picks, signed and passed through
// VerifyBatch as a peer's would be, then applied to a model. A second model
// applies the same accepted batches with the origins in the opposite order:
// every node must compute the same model from the same records, whatever
// order they arrived in (same fingerprint, version vector and answers).
#include <algorithm>
#include <set>

#include "node/model/model.h"
#include "node/write/report_writer.h"
#include "node/batch/batch_verifier.h"
#include "tests/fuzz/fuzz_fixture.h"

using namespace authnet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::FixedClock clock;
  const Roster& roster = fuzz::FixedRoster();
  Model first(ModelOptions(), clock, "acme");
  first.SetRoster(roster);

  std::vector<v1::BatchBody> applied;
  std::vector<std::string> chunks = fuzz::Chunks(data, size);
  if (chunks.size() > 32) {
    chunks.resize(32);
  }
  for (const std::string& chunk : chunks) {
    if (chunk.empty()) {
      continue;
    }
    v1::BatchBody body;
    if (!body.ParseFromString(chunk.substr(1))) {
      continue;
    }
    body.set_network(fuzz::kNetwork);
    body.set_origin(fuzz::Members()[static_cast<uint8_t>(chunk[0]) % fuzz::Members().size()]);
    v1::SignedBatch batch;
    batch.set_body(body.SerializeAsString());
    batch.set_signature(*fuzz::MemberKey().Sign(BatchSignedMessage(batch.body())));
    absl::StatusOr<v1::BatchBody> verified = VerifyBatch(batch, roster, fuzz::kToday);
    if (!verified.ok()) {
      continue;
    }
    absl::Status st = first.ApplyBatch(*verified);
    if (st.ok()) {
      applied.push_back(*std::move(verified));
    } else {
      FUZZ_INVARIANT(absl::IsFailedPrecondition(st));  // a gap, nothing else
    }
  }

  Model second(ModelOptions(), clock, "acme");
  second.SetRoster(roster);
  std::vector<v1::BatchBody> reordered = applied;
  std::stable_sort(
      reordered.begin(), reordered.end(),
      [](const v1::BatchBody& a, const v1::BatchBody& b) { return a.origin() > b.origin(); });
  for (const v1::BatchBody& b : reordered) {
    FUZZ_INVARIANT(second.ApplyBatch(b).ok());
  }
  FUZZ_INVARIANT(first.Fingerprint() == second.Fingerprint());
  FUZZ_INVARIANT(first.VersionVector() == second.VersionVector());
  FUZZ_INVARIANT(first.Records() == second.Records());

  std::set<std::pair<int, std::string>> subjects;
  for (const v1::BatchBody& b : applied) {
    for (const v1::Record& r : b.records()) {
      if (subjects.size() < 64) {
        subjects.insert({r.subject_type(), r.digest()});
      }
    }
  }
  for (const auto& [type, digest] : subjects) {
    std::vector<SubjectDigest> check = {
        SubjectDigest::Of(static_cast<v1::SubjectType>(type), digest)};
    v1::CheckResponse a;
    v1::CheckResponse b;
    first.Check(check, &a);
    second.Check(check, &b);
    FUZZ_INVARIANT(a.decision() == b.decision());
    FUZZ_INVARIANT(a.reporters() == b.reporters());
    FUZZ_INVARIANT(a.risk() == b.risk());
    FUZZ_INVARIANT(a.risk() >= 0 && a.risk() <= 1);
    FUZZ_INVARIANT(v1::Decision_IsValid(a.decision()) && a.decision() != v1::DECISION_UNSPECIFIED);
  }
  return 0;
}
