// The HTTP/JSON api's body decoding: whatever arrives as a request body is
// either refused INVALID_ARGUMENT "body: ..." or parses into the request
// message; the parsed message printed and parsed again is the same message;
// and its subjects normalize (or are refused naming a field) without crash.
#include <type_traits>

#include "absl/strings/match.h"
#include "node/api/http_api.h"
#include "node/core/subject_normalizer.h"
#include "tests/fuzz/fuzz_fixture.h"

using namespace authnet;

namespace {

template <typename Request>
void RoundTrip(const std::string& body) {
  Request request;
  absl::Status st = ParseJsonBody(body, &request);
  if (!st.ok()) {
    FUZZ_INVARIANT(absl::IsInvalidArgument(st));
    FUZZ_INVARIANT(absl::StartsWith(st.message(), "body: "));
    return;
  }
  Request again;
  FUZZ_INVARIANT(ParseJsonBody(PrintJsonBody(request), &again).ok());
  FUZZ_INVARIANT(again.SerializeAsString() == request.SerializeAsString());
  if constexpr (std::is_same_v<Request, v1::CheckRequest>) {
    absl::StatusOr<NormalizedSubjects> n = NormalizeSubjects(request.subjects(), fuzz::kToday);
    FUZZ_INVARIANT(n.ok() || absl::IsInvalidArgument(n.status()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      RoundTrip<v1::CheckRequest>(body);
      break;
    case 1:
      RoundTrip<v1::CheckBatchRequest>(body);
      break;
    case 2:
      RoundTrip<v1::ReportRequest>(body);
      break;
    default:
      RoundTrip<v1::RetractRequest>(body);
      break;
  }
  return 0;
}
