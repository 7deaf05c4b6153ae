#include "tests/testing/test_roster.h"

#include <gtest/gtest.h>

#include <cmath>

namespace authnet::testing {

Roster MakeRoster(const std::string& network, const std::vector<RosterEntry>& members,
                  uint64_t version) {
  absl::StatusOr<crypto::Ed25519Key> admin = crypto::Ed25519Key::Generate();
  EXPECT_TRUE(admin.ok());
  v1::RosterBody body;
  body.set_network(network);
  body.set_version(version);
  body.add_admin_keys(admin->PublicKey());
  body.set_admin_threshold(1);
  for (const RosterEntry& e : members) {
    v1::RosterMember* m = body.add_members();
    m->set_id(e.id);
    m->set_status(e.status);
    m->set_endpoint("127.0.0.1:7000");
    m->set_trust_milli(static_cast<uint32_t>(std::lround(e.trust * 1000)));
    m->set_cert_sha256(std::string(32, 'c'));
    m->set_signing_public_key(crypto::Ed25519Key::Generate()->PublicKey());
    m->set_role(e.role);
    for (const std::string& p : e.prefixes) {
      m->add_company_prefixes(p);
    }
  }
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body, *admin);
  EXPECT_TRUE(signed_roster.ok()) << signed_roster.status();
  absl::StatusOr<Roster> roster = Roster::Verify(*signed_roster, admin->PublicKey(), network);
  EXPECT_TRUE(roster.ok()) << roster.status();
  return *std::move(roster);
}

}  // namespace authnet::testing
