#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "node/bundle/roster.h"
#include "node/core/network_keys.h"
#include "node/crypto/ed25519_key.h"

namespace authnet {

// MemberBundle is a member's credentials, as written by `authnetctl member
// add` into BUNDLE_DIR:
//   ca.crt        network CA certificate (PEM)
//   node.crt      the member's TLS certificate, one URI SAN spiffe://NETWORK/member/ID
//   node.key      its private key (PEM, mode 0600)
//   signing.key   the member's Ed25519 record-signing key (PEM, mode 0600)
//   network.keys  the network's HMAC keys (mode 0600)
//   admin.pub     the network admin's Ed25519 public key (PEM), to verify rosters
//   roster.pb     the signed roster (binary SignedRoster)
// Immutable once loaded; thread-safe.
class MemberBundle {
 public:
  // Load reads and cross-checks every file: private keys are mode 0600 (no
  // group/other access), node.crt is signed by ca.crt and matches node.key,
  // its single URI SAN names the network and member, the roster is signed by
  // admin.pub for that network, and it lists this member with node.crt's
  // fingerprint and signing.key's public key. Any failure is
  // FAILED_PRECONDITION with one line naming the file and what is wrong.
  [[nodiscard]] static absl::StatusOr<MemberBundle> Load(const std::filesystem::path& dir);

  const std::string& network() const { return network_; }
  const std::string& member_id() const { return member_id_; }
  const std::string& ca_pem() const { return ca_pem_; }
  const std::string& cert_pem() const { return cert_pem_; }
  const std::string& key_pem() const { return key_pem_; }
  const crypto::Ed25519Key& signing_key() const { return signing_key_; }
  const NetworkKeys& network_keys() const { return network_keys_; }
  // admin_public_key is raw, 32 bytes.
  const std::string& admin_public_key() const { return admin_public_key_; }
  const Roster& roster() const { return roster_; }

 private:
  MemberBundle(std::string network, std::string member_id, std::string ca_pem, std::string cert_pem,
               std::string key_pem, crypto::Ed25519Key signing_key, NetworkKeys network_keys,
               std::string admin_public_key, Roster roster)
      : network_(std::move(network)),
        member_id_(std::move(member_id)),
        ca_pem_(std::move(ca_pem)),
        cert_pem_(std::move(cert_pem)),
        key_pem_(std::move(key_pem)),
        signing_key_(std::move(signing_key)),
        network_keys_(std::move(network_keys)),
        admin_public_key_(std::move(admin_public_key)),
        roster_(std::move(roster)) {}

  std::string network_;
  std::string member_id_;
  std::string ca_pem_;
  std::string cert_pem_;
  std::string key_pem_;
  crypto::Ed25519Key signing_key_;
  NetworkKeys network_keys_;
  std::string admin_public_key_;
  Roster roster_;
};

}  // namespace authnet
