// Identifier normalization and digesting: whatever a caller sends in
// Subjects is either refused INVALID_ARGUMENT or becomes non-empty
// normalized values with 32-byte digests, and normalizing twice changes
// nothing.
#include "node/core/digester.h"
#include "node/core/subject_normalizer.h"
#include "node/core/text_normalizer.h"
#include "tests/fuzz/fuzz_fixture.h"

using namespace authnet;

namespace {

const Digester& FixedDigester() {
  static const Digester digester = [] {
    absl::StatusOr<NetworkKeys> keys =
        NetworkKeys::Parse("1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
    FUZZ_INVARIANT(keys.ok());
    return Digester(*std::move(keys));
  }();
  return digester;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> f = fuzz::Chunks(data, size);
  f.resize(8);
  v1::Subjects s;
  s.set_gtin(f[0]);
  s.set_serial(f[1]);
  s.set_lot(f[2]);
  s.set_supplier(f[3]);
  s.set_seller(f[4]);
  s.set_nfc_uid(f[5]);
  s.set_image_phash(f[6]);
  s.set_gs1(f[7]);

  absl::StatusOr<NormalizedSubjects> got = NormalizeSubjects(s, /*today=*/20'000);
  if (!got.ok()) {
    FUZZ_INVARIANT(absl::IsInvalidArgument(got.status()));
    FUZZ_INVARIANT(!got.status().message().empty());
  } else {
    FUZZ_INVARIANT(!got->subjects.empty());
    for (const NormalizedSubject& n : got->subjects) {
      FUZZ_INVARIANT(!n.value.empty());
      FUZZ_INVARIANT(n.type != v1::SUBJECT_TYPE_UNSPECIFIED);
      Digest d = FixedDigester().Make(n.type, n.value);
      FUZZ_INVARIANT(d.bytes.size() == 32 && d.epoch == 1);
    }
  }

  // Field by field: a normalized value normalizes to itself.
  if (absl::StatusOr<std::string> g = NormalizeGtin("gtin", f[0]); g.ok()) {
    FUZZ_INVARIANT(g->size() == 14);
    absl::StatusOr<std::string> again = NormalizeGtin("gtin", *g);
    FUZZ_INVARIANT(again.ok() && *again == *g);
  }
  if (absl::StatusOr<std::string> t = NormalizeName("seller", f[4]); t.ok()) {
    FUZZ_INVARIANT(!t->empty() && t->size() <= 128);
    absl::StatusOr<std::string> again = NormalizeName("seller", *t);
    FUZZ_INVARIANT(again.ok() && *again == *t);
  }
  if (absl::StatusOr<std::string> t = NormalizeGs1Text("serial", "21", f[1]); t.ok()) {
    FUZZ_INVARIANT(!t->empty() && t->size() <= kMaxGs1TextChars);
    absl::StatusOr<std::string> again = NormalizeGs1Text("serial", "21", *t);
    FUZZ_INVARIANT(again.ok() && *again == *t);
  }
  if (absl::StatusOr<std::string> h = NormalizeHex("nfc_uid", f[5], 4, 32); h.ok()) {
    absl::StatusOr<std::string> again = NormalizeHex("nfc_uid", *h, 4, 32);
    FUZZ_INVARIANT(again.ok() && *again == *h);
  }
  return 0;
}
