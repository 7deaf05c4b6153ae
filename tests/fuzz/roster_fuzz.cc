// Roster parsing: the first byte picks the input's shape. Even: a
// SignedRoster as a peer or `roster push` delivers it (forged or not); odd:
// a RosterBody the target signs with the admin key, so validation reaches
// every member field. Sign and Verify must agree on what is valid, and a
// verified roster must answer lookups consistently.
#include "tests/fuzz/fuzz_fixture.h"

using namespace authnet;

namespace {

void CheckVerified(const Roster& roster) {
  FUZZ_INVARIANT(Roster::ValidateBody(roster.body()).ok());
  FUZZ_INVARIANT(roster.version() >= 1);
  for (const v1::RosterMember& m : roster.body().members()) {
    const v1::RosterMember* found = roster.Find(m.id());
    FUZZ_INVARIANT(found != nullptr && found->id() == m.id());
    FUZZ_INVARIANT(IsEnrolledCertificate(m, m.cert_sha256()));
  }
  FUZZ_INVARIANT(roster.Find("") == nullptr);
  if (roster.body().expires_unix() == 0) {
    FUZZ_INVARIANT(!roster.Expired(4'000'000'000));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string admin = fuzz::AdminKey().PublicKey();
  if (data[0] & 1) {
    v1::RosterBody body;
    if (!body.ParseFromString(rest)) {
      return 0;
    }
    absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body, fuzz::AdminKey());
    FUZZ_INVARIANT(signed_roster.ok() == Roster::ValidateBody(body).ok());
    if (!signed_roster.ok()) {
      FUZZ_INVARIANT(absl::IsInvalidArgument(signed_roster.status()));
      return 0;
    }
    absl::StatusOr<Roster> roster = Roster::Verify(*signed_roster, admin, body.network());
    FUZZ_INVARIANT(roster.ok());
    FUZZ_INVARIANT(roster->body().SerializeAsString() == body.SerializeAsString());
    CheckVerified(*roster);
    // Another network's name never verifies.
    FUZZ_INVARIANT(!Roster::Verify(*signed_roster, admin, body.network() + "x").ok());
    return 0;
  }
  v1::SignedRoster signed_roster;
  if (!signed_roster.ParseFromString(rest)) {
    return 0;
  }
  absl::StatusOr<Roster> roster = Roster::Verify(signed_roster, admin, fuzz::kNetwork);
  if (!roster.ok()) {
    FUZZ_INVARIANT(absl::IsInvalidArgument(roster.status()));
    return 0;
  }
  CheckVerified(*roster);
  return 0;
}
