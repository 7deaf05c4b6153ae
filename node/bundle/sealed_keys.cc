#include "node/bundle/sealed_keys.h"

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "node/core/hex.h"
#include "node/crypto/ed25519_key.h"
#include "node/crypto/openssl_util.h"

namespace authnet {
namespace {

std::string NetworkKeyContext(absl::string_view network, absl::string_view member_id,
                              uint32_t epoch) {
  return absl::StrCat(absl::string_view("network-key\0", 12), network, absl::string_view("\0", 1),
                      member_id, absl::string_view("\0", 1), epoch);
}

}  // namespace

absl::StatusOr<v1::SealedNetworkKey> SealNetworkKey(absl::string_view network,
                                                    const v1::RosterMember& member, uint32_t epoch,
                                                    const NetworkKey& key) {
  absl::StatusOr<std::string> sealed =
      crypto::SealTo(member.sealing_public_key(),
                     absl::string_view(reinterpret_cast<const char*>(key.data()), key.size()),
                     NetworkKeyContext(network, member.id(), epoch));
  if (!sealed.ok()) {
    return absl::Status(sealed.status().code(),
                        absl::StrCat("sealing network key epoch ", epoch, " to member \"",
                                     member.id(), "\": ", sealed.status().message()));
  }
  v1::SealedNetworkKey out;
  out.set_epoch(epoch);
  out.set_sealed(*std::move(sealed));
  return out;
}

absl::StatusOr<NetworkKeys> OpenNetworkKeys(const Roster& roster, absl::string_view member_id,
                                            const crypto::X25519Key& sealing_key) {
  const v1::RosterMember* member = roster.Find(member_id);
  auto fail = [&](absl::string_view what) {
    return absl::FailedPreconditionError(
        absl::StrCat("roster version ", roster.version(), ": ", what));
  };
  if (member == nullptr) {
    return fail(absl::StrCat("does not list member \"", member_id, "\""));
  }
  if (member->sealing_public_key() != sealing_key.PublicKey()) {
    return fail(absl::StrCat("lists another sealing key for \"", member_id,
                             "\" than this bundle's sealing.key"));
  }
  std::map<uint32_t, NetworkKey> keys;
  for (const v1::SealedNetworkKey& sealed : member->network_keys()) {
    absl::StatusOr<std::string> key =
        crypto::Unseal(sealing_key, sealed.sealed(),
                       NetworkKeyContext(roster.network(), member_id, sealed.epoch()));
    if (!key.ok() || key->size() != sizeof(NetworkKey)) {
      return fail(absl::StrCat("the network key of epoch ", sealed.epoch(), " sealed to \"",
                               member_id, "\" does not open with this bundle's sealing.key (",
                               key.ok() ? "wrong size" : key.status().message(), ")"));
    }
    NetworkKey k;
    std::copy(key->begin(), key->end(), k.begin());
    OPENSSL_cleanse(key->data(), key->size());
    keys.emplace(sealed.epoch(), k);
  }
  if (keys.empty()) {
    return fail(absl::StrCat("seals no network key to \"", member_id, "\""));
  }
  if (member->status() == v1::MEMBER_STATUS_ACTIVE && !keys.contains(roster.NewestEpoch())) {
    return fail(absl::StrCat("does not seal the newest network key (epoch ", roster.NewestEpoch(),
                             ") to active member \"", member_id, "\""));
  }
  return NetworkKeys::FromMap(std::move(keys));
}

absl::StatusOr<std::vector<std::string>> Ed25519PublicKeysFromPem(absl::string_view pem) {
  constexpr absl::string_view kEnd = "-----END PUBLIC KEY-----";
  std::vector<std::string> keys;
  std::set<std::string> seen;
  size_t at = 0;
  while (true) {
    size_t end = pem.find(kEnd, at);
    if (end == absl::string_view::npos) {
      break;
    }
    end += kEnd.size();
    absl::StatusOr<std::string> key = crypto::Ed25519PublicKeyFromPem(pem.substr(at, end - at));
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("public key #", keys.size() + 1, ": ", key.status().message()));
    }
    if (seen.insert(*key).second) {
      keys.push_back(*std::move(key));
    }
    at = end;
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError("holds no PEM public key");
  }
  return keys;
}

absl::StatusOr<std::string> AdminKeysPem(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& key : keys) {
    absl::StatusOr<std::string> pem = crypto::Ed25519PublicKeyToPem(key);
    if (!pem.ok()) {
      return pem.status();
    }
    absl::StrAppend(&out, "# admin key ", KeyFingerprint(key), "\n", *pem);
  }
  return out;
}

std::string KeyFingerprint(absl::string_view public_key) {
  return HexEncode(crypto::Sha256(public_key)).substr(0, 16);
}

}  // namespace authnet
