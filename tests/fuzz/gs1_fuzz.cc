// GS1 parsing: whatever ParseGs1 accepts, each Format* writes out in a form
// that ParseGs1 reads back to the same Gs1Data; whatever it refuses is
// INVALID_ARGUMENT "gs1: ...".
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "node/core/gs1.h"
#include "tests/fuzz/fuzz_fixture.h"

using namespace authnet;

namespace {

bool ValidDate(const std::optional<Gs1Date>& d) {
  return !d || (d->month >= 1 && d->month <= 12 && d->day >= 1 && d->day <= 31);
}

void CheckOne(absl::string_view input, int current_year) {
  absl::StatusOr<Gs1Data> got = ParseGs1(input, current_year);
  if (!got.ok()) {
    FUZZ_INVARIANT(absl::IsInvalidArgument(got.status()));
    FUZZ_INVARIANT(absl::StartsWith(got.status().message(), "gs1: "));
    return;
  }
  FUZZ_INVARIANT(got->gtin.size() == 14);
  FUZZ_INVARIANT(got->serial.size() <= 20 && got->lot.size() <= 20);
  FUZZ_INVARIANT(ValidDate(got->expiry) && ValidDate(got->production));
  for (auto format : {&FormatGs1Bracketed, &FormatGs1Raw, &FormatGs1DigitalLink}) {
    std::string text = format(*got);
    absl::StatusOr<Gs1Data> again = ParseGs1(text, current_year);
    if (!again.ok() || *again != *got) {
      std::fprintf(stderr, "re-encoded as \"%s\": %s\n", absl::CHexEscape(text).c_str(),
                   again.status().ToString().c_str());
    }
    FUZZ_INVARIANT(again.ok() && *again == *got);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  // Two years, so both edges of the century window are reached.
  CheckOne(input, 2026);
  CheckOne(input, 2080);
  return 0;
}
