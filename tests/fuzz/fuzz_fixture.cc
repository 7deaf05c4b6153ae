#include "tests/fuzz/fuzz_fixture.h"

#include <google/protobuf/stubs/logging.h>

namespace authnet::fuzz {
namespace {

// Protobuf logs every string field with invalid UTF-8 it parses; fuzz
// inputs are full of them. Silence it, or fuzzing runs at terminal speed.
[[maybe_unused]] const bool kQuietProtobuf = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

// Fixed test keys (never used outside the fuzz targets).
constexpr char kAdminPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIO1vJbuhJ/y3pX82z/bAlaMqkQmNkJl3dIg6N71tyfGa\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kMemberPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIKa+N9J/iBIdF3Es3FVPP0Un3C57nAfki859cy6nPxTW\n"
    "-----END PRIVATE KEY-----\n";

crypto::Ed25519Key Load(const char* pem) {
  absl::StatusOr<crypto::Ed25519Key> key = crypto::Ed25519Key::FromPem(pem);
  FUZZ_INVARIANT(key.ok());
  return *std::move(key);
}

}  // namespace

const crypto::Ed25519Key& AdminKey() {
  static const crypto::Ed25519Key key = Load(kAdminPem);
  return key;
}

const crypto::Ed25519Key& MemberKey() {
  static const crypto::Ed25519Key key = Load(kMemberPem);
  return key;
}

const Roster& FixedRoster() {
  static const Roster roster = [] {
    v1::RosterBody body;
    body.set_network(kNetwork);
    body.set_version(5);
    body.add_admin_keys(AdminKey().PublicKey());
    body.set_admin_threshold(1);
    for (const std::string& id : Members()) {
      v1::RosterMember* m = body.add_members();
      m->set_id(id);
      m->set_status(id == "revoked-co" ? v1::MEMBER_STATUS_REVOKED : v1::MEMBER_STATUS_ACTIVE);
      m->set_endpoint("127.0.0.1:7000");
      m->set_trust_milli(id == "initech" ? 500 : 1000);
      m->set_cert_sha256(std::string(32, 'c'));
      m->set_signing_public_key(MemberKey().PublicKey());
    }
    absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body, AdminKey());
    FUZZ_INVARIANT(signed_roster.ok());
    absl::StatusOr<Roster> roster =
        Roster::Verify(*signed_roster, AdminKey().PublicKey(), kNetwork);
    FUZZ_INVARIANT(roster.ok());
    return *std::move(roster);
  }();
  return roster;
}

std::vector<std::string> Chunks(const uint8_t* data, size_t size) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < size) {
    size_t n = std::min<size_t>(data[at], size - at - 1);
    out.emplace_back(reinterpret_cast<const char*>(data + at + 1), n);
    at += 1 + n;
  }
  return out;
}

}  // namespace authnet::fuzz
