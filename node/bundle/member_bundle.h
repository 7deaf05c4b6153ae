#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/bundle/roster.h"
#include "node/core/network_keys.h"
#include "node/crypto/ed25519_key.h"
#include "node/crypto/sealed_box.h"

namespace authnet {

// MemberBundle is a member's credentials in BUNDLE_DIR, made by `authnetctl
// member keygen` + `member install` (or, for demos, `member add --endpoint`):
//   ca.crt        network CA certificate (PEM)
//   node.crt      the member's TLS certificate, one URI SAN spiffe://NETWORK/member/ID
//   node.key      its private key (PEM, mode 0600)
//   signing.key   the member's Ed25519 record-signing key (PEM, mode 0600)
//   sealing.key   the member's X25519 key network keys are sealed to (PEM, mode 0600)
//   admin.pub     the network admins' Ed25519 public keys (PEM), to verify rosters
//   roster.pb     the signed roster (binary SignedRoster), with the network
//                 keys sealed to this member
// Immutable once loaded; thread-safe.
class MemberBundle {
 public:
  // Load reads and cross-checks every file: private keys are mode 0600 (no
  // group/other access), node.crt is signed by ca.crt and matches node.key,
  // its single URI SAN names the network and member, the roster carries the
  // signatures its admin set requires and that set is exactly admin.pub's
  // keys, and it lists this member with node.crt's fingerprint and the
  // signing and sealing keys' public halves, with network keys that open.
  // Any failure is FAILED_PRECONDITION with one line naming the file and
  // what is wrong.
  [[nodiscard]] static absl::StatusOr<MemberBundle> Load(const std::filesystem::path& dir);

  // LoadRoster reads only the public files roster.pb, admin.pub and
  // node.crt of `dir` and runs Load's roster checks on them: roster.pb
  // carries the signatures its admin set requires, that set is exactly
  // admin.pub's keys, and it is a roster of node.crt's network. What a
  // member shows without opening its private keys (authnetctl roster show).
  // FAILED_PRECONDITION with one line naming `dir`, the file and what to do.
  [[nodiscard]] static absl::StatusOr<Roster> LoadRoster(const std::filesystem::path& dir);

  // FromFiles runs Load's checks on file contents by name (every file
  // above); `where` names their origin in errors.
  [[nodiscard]] static absl::StatusOr<MemberBundle> FromFiles(
      const std::map<std::string, std::string>& files, absl::string_view where);

  const std::string& network() const { return network_; }
  const std::string& member_id() const { return member_id_; }
  const std::string& ca_pem() const { return ca_pem_; }
  const std::string& cert_pem() const { return cert_pem_; }
  const std::string& key_pem() const { return key_pem_; }
  const crypto::Ed25519Key& signing_key() const { return signing_key_; }
  const crypto::X25519Key& sealing_key() const { return sealing_key_; }
  // network_keys are the keys the bundle's roster seals to this member.
  const NetworkKeys& network_keys() const { return network_keys_; }
  const Roster& roster() const { return roster_; }

 private:
  MemberBundle(std::string network, std::string member_id, std::string ca_pem, std::string cert_pem,
               std::string key_pem, crypto::Ed25519Key signing_key, crypto::X25519Key sealing_key,
               NetworkKeys network_keys, Roster roster)
      : network_(std::move(network)),
        member_id_(std::move(member_id)),
        ca_pem_(std::move(ca_pem)),
        cert_pem_(std::move(cert_pem)),
        key_pem_(std::move(key_pem)),
        signing_key_(std::move(signing_key)),
        sealing_key_(std::move(sealing_key)),
        network_keys_(std::move(network_keys)),
        roster_(std::move(roster)) {}

  std::string network_;
  std::string member_id_;
  std::string ca_pem_;
  std::string cert_pem_;
  std::string key_pem_;
  crypto::Ed25519Key signing_key_;
  crypto::X25519Key sealing_key_;
  NetworkKeys network_keys_;
  Roster roster_;
};

// The files of a member bundle: its private keys, and the public files the
// admins send.
inline constexpr const char* kBundleSecretFiles[] = {"node.key", "signing.key", "sealing.key"};
inline constexpr const char* kBundlePublicFiles[] = {"roster.pb", "admin.pub", "ca.crt",
                                                     "node.crt"};

}  // namespace authnet
