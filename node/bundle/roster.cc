#include "node/bundle/roster.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "node/bundle/member_roles.h"
#include "node/core/hex.h"
#include "node/core/host_port.h"
#include "node/core/log_text.h"
#include "node/crypto/openssl_util.h"

namespace authnet {
namespace {

constexpr absl::string_view kSignatureDomain("authnet/v1/roster\0", 18);
constexpr uint32_t kMaxTrustMilli = 1000;
constexpr int kMaxAdmins = 32;

std::string SignedMessage(absl::string_view body) { return absl::StrCat(kSignatureDomain, body); }

absl::Status InvalidMember(int index, absl::string_view id, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("roster member #", index, " (\"", id, "\"): ", what));
}

absl::Status ValidateAdmins(const v1::RosterBody& body) {
  if (body.admin_keys_size() < 1 || body.admin_keys_size() > kMaxAdmins) {
    return absl::InvalidArgumentError(absl::StrCat("roster: must name 1 to ", kMaxAdmins,
                                                   " admin keys, names ", body.admin_keys_size()));
  }
  std::set<absl::string_view> keys;
  for (const std::string& key : body.admin_keys()) {
    if (key.size() != 32) {
      return absl::InvalidArgumentError("roster: an admin key is not 32 bytes");
    }
    if (!keys.insert(key).second) {
      return absl::InvalidArgumentError("roster: an admin key appears twice");
    }
  }
  if (body.admin_threshold() < 1 ||
      body.admin_threshold() > static_cast<uint32_t>(body.admin_keys_size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("roster: admin threshold is ", body.admin_threshold(), ", must be 1 to ",
                     body.admin_keys_size(), " (the number of admin keys)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateEpochs(const v1::RosterBody& body) {
  uint32_t last = 0;
  for (const v1::KeyEpoch& e : body.key_epochs()) {
    if (e.epoch() <= last) {
      return absl::InvalidArgumentError(
          "roster: key epochs must be at least 1, distinct and ascending");
    }
    last = e.epoch();
  }
  return absl::OkStatus();
}

absl::Status ValidateSealedKeys(int index, const v1::RosterMember& m, const v1::RosterBody& body) {
  if (!m.sealing_public_key().empty() && m.sealing_public_key().size() != 32) {
    return InvalidMember(index, m.id(), "sealing_public_key must be empty or 32 bytes");
  }
  if (m.network_keys_size() > 0 && m.sealing_public_key().empty()) {
    return InvalidMember(index, m.id(), "has sealed network keys but no sealing_public_key");
  }
  std::set<uint32_t> seen;
  for (const v1::SealedNetworkKey& k : m.network_keys()) {
    bool listed = std::any_of(body.key_epochs().begin(), body.key_epochs().end(),
                              [&](const v1::KeyEpoch& e) { return e.epoch() == k.epoch(); });
    if (!listed) {
      return InvalidMember(index, m.id(),
                           absl::StrCat("network key of epoch ", k.epoch(),
                                        " is not one of the roster's key epochs"));
    }
    if (!seen.insert(k.epoch()).second) {
      return InvalidMember(index, m.id(),
                           absl::StrCat("network key of epoch ", k.epoch(), " appears twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

AdminSet AdminSet::Of(const v1::RosterBody& body) {
  return AdminSet{{body.admin_keys().begin(), body.admin_keys().end()}, body.admin_threshold()};
}

bool AdminSet::Contains(absl::string_view key) const {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

absl::Status Roster::ValidateBody(const v1::RosterBody& body) {
  if (!IsValidNetworkName(body.network())) {
    return absl::InvalidArgumentError(
        absl::StrCat("roster: network name \"", ForeignForLog(body.network()), "\" is not valid"));
  }
  if (body.version() < 1) {
    return absl::InvalidArgumentError("roster: version must be at least 1");
  }
  if (absl::Status s = ValidateAdmins(body); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateEpochs(body); !s.ok()) {
    return s;
  }
  std::set<absl::string_view> seen;
  for (int i = 0; i < body.members_size(); ++i) {
    const v1::RosterMember& m = body.members(i);
    // An id that fails the rule is not echoed: it may be anything at all.
    if (!IsValidMemberId(m.id())) {
      return InvalidMember(i, "", "id must match [a-z0-9][a-z0-9-]{2,31}");
    }
    if (!seen.insert(m.id()).second) {
      return InvalidMember(i, m.id(), "id appears twice");
    }
    if (m.status() == v1::MEMBER_STATUS_UNSPECIFIED || !v1::MemberStatus_IsValid(m.status())) {
      return InvalidMember(i, m.id(), "status is not set");
    }
    if (m.trust_milli() > kMaxTrustMilli) {
      return InvalidMember(
          i, m.id(),
          absl::StrCat("trust_milli is ", m.trust_milli(), ", at most ", kMaxTrustMilli));
    }
    if (m.cert_sha256().size() != 32) {
      return InvalidMember(i, m.id(), "cert_sha256 must be 32 bytes");
    }
    if (!m.previous_cert_sha256().empty() && m.previous_cert_sha256().size() != 32) {
      return InvalidMember(i, m.id(), "previous_cert_sha256 must be empty or 32 bytes");
    }
    if (m.signing_public_key().size() != 32) {
      return InvalidMember(i, m.id(), "signing_public_key must be 32 bytes");
    }
    if (absl::StatusOr<HostPort> hp = ParseHostPort("endpoint", m.endpoint()); !hp.ok()) {
      return InvalidMember(i, m.id(), hp.status().message());
    }
    if (absl::Status s = ValidateSealedKeys(i, m, body); !s.ok()) {
      return s;
    }
  }
  return ValidateRoles(body);
}

namespace {

// kMaxSignatures bounds the signatures a roster may carry: every admin of
// the old set and of the new one, and no more (each costs a verification).
constexpr int kMaxSignatures = 2 * kMaxAdmins;

// ValidSigners verifies each signature by a key of `admins` (each key at
// most once, its first signature) and returns the keys whose signature is
// valid, with the index of that signature.
std::map<std::string, int> ValidSigners(const v1::SignedRoster& signed_roster,
                                        const std::vector<const AdminSet*>& admins) {
  const std::string message = SignedMessage(signed_roster.body());
  std::map<std::string, int> valid;
  std::set<absl::string_view> tried;
  for (int i = 0; i < signed_roster.signatures_size(); ++i) {
    const v1::RosterSignature& sig = signed_roster.signatures(i);
    bool known = std::any_of(admins.begin(), admins.end(),
                             [&](const AdminSet* a) { return a->Contains(sig.public_key()); });
    if (!known || !tried.insert(sig.public_key()).second) {
      continue;
    }
    if (crypto::VerifyEd25519(sig.public_key(), message, sig.signature())) {
      valid.emplace(sig.public_key(), i);
    }
  }
  return valid;
}

uint32_t CountIn(const std::map<std::string, int>& valid, const AdminSet& admins) {
  return static_cast<uint32_t>(std::count_if(
      valid.begin(), valid.end(), [&](const auto& v) { return admins.Contains(v.first); }));
}

}  // namespace

uint32_t Roster::CountSignatures(const v1::SignedRoster& signed_roster, const AdminSet& admins) {
  return CountIn(ValidSigners(signed_roster, {&admins}), admins);
}

absl::StatusOr<Roster> Roster::Verify(const v1::SignedRoster& signed_roster,
                                      const AdminSet& trusted, absl::string_view network) {
  if (signed_roster.signatures_size() > kMaxSignatures) {
    return absl::InvalidArgumentError(absl::StrCat("roster: carries ",
                                                   signed_roster.signatures_size(),
                                                   " signatures, at most ", kMaxSignatures));
  }
  // The signatures first: nothing an unsigned body says is looked at (or
  // repeated in an error) before enough admins vouched for it.
  std::map<std::string, int> valid = ValidSigners(signed_roster, {&trusted});
  if (uint32_t have = CountIn(valid, trusted); have < trusted.threshold) {
    return absl::InvalidArgumentError(absl::StrCat(
        "roster: has ", have, " valid signature", have == 1 ? "" : "s", " from the ",
        trusted.keys.size(), " admin keys this node trusts, needs ", trusted.threshold));
  }
  v1::RosterBody body;
  if (!body.ParseFromString(signed_roster.body())) {
    return absl::InvalidArgumentError("roster: body does not parse");
  }
  if (body.network() != network) {
    return absl::InvalidArgumentError(absl::StrCat("roster: is for network \"",
                                                   ForeignForLog(body.network()), "\", expected \"",
                                                   network, "\""));
  }
  if (absl::Status s = ValidateBody(body); !s.ok()) {
    return s;
  }
  AdminSet own = AdminSet::Of(body);
  if (own != trusted) {
    valid = ValidSigners(signed_roster, {&trusted, &own});
    if (uint32_t have = CountIn(valid, own); have < own.threshold) {
      return absl::InvalidArgumentError(
          absl::StrCat("roster: changes the admin set but has ", have, " valid signature",
                       have == 1 ? "" : "s", " from its new admin keys, needs ", own.threshold));
    }
  }
  // Keep only the signatures that counted: what is stored and passed on
  // carries no junk.
  v1::SignedRoster kept;
  kept.set_body(signed_roster.body());
  for (const auto& [key, index] : valid) {
    *kept.add_signatures() = signed_roster.signatures(index);
  }
  return Roster(std::move(kept), std::move(body));
}

namespace {

std::string StatusText(v1::MemberStatus st) {
  return std::string(st == v1::MEMBER_STATUS_ACTIVE      ? "active"
                     : st == v1::MEMBER_STATUS_SUSPENDED ? "suspended"
                     : st == v1::MEMBER_STATUS_REVOKED   ? "revoked"
                                                         : "unspecified");
}

// DescribeMemberChange adds a line to `out` for each thing member `m`
// changes from its `old` entry.
void DescribeMemberChange(const v1::RosterMember& old, const v1::RosterMember& m,
                          std::vector<std::string>& out) {
  const std::string id = ForeignForLog(m.id());
  if (RoleText(old) != RoleText(m)) {
    out.push_back(absl::StrCat("member ", id, ": ", RoleText(old), " -> ", RoleText(m)));
  }
  if (old.status() != m.status()) {
    out.push_back(absl::StrCat("member ", id, ": ", StatusText(old.status()), " -> ",
                               StatusText(m.status())));
  }
  if (old.trust_milli() != m.trust_milli()) {
    out.push_back(absl::StrCat("member ", id, ": trust ", old.trust_milli() / 1000.0, " -> ",
                               m.trust_milli() / 1000.0));
  }
  if (old.endpoint() != m.endpoint()) {
    out.push_back(absl::StrCat("member ", id, ": endpoint ", ForeignForLog(old.endpoint()), " -> ",
                               ForeignForLog(m.endpoint())));
  }
  if (old.cert_sha256() != m.cert_sha256()) {
    out.push_back(
        absl::StrCat("member ", id, ": certificate ", HexEncode(old.cert_sha256()).substr(0, 16),
                     " -> ", HexEncode(m.cert_sha256()).substr(0, 16),
                     m.previous_cert_sha256().empty() ? " (previous one dropped)"
                                                      : " (previous one still accepted)"));
  }
  if (old.signing_public_key() != m.signing_public_key()) {
    out.push_back(absl::StrCat("member ", id, ": SIGNING KEY REPLACED"));
  }
  if (old.sealing_public_key() != m.sealing_public_key()) {
    out.push_back(absl::StrCat("member ", id, ": sealing key replaced"));
  }
}

}  // namespace

std::vector<std::string> DescribeChange(const v1::RosterBody& before, const v1::RosterBody& after) {
  std::vector<std::string> out;
  auto find = [](const v1::RosterBody& body, absl::string_view id) -> const v1::RosterMember* {
    for (const v1::RosterMember& m : body.members()) {
      if (m.id() == id) {
        return &m;
      }
    }
    return nullptr;
  };
  for (const v1::RosterMember& m : after.members()) {
    const v1::RosterMember* old = find(before, m.id());
    if (old == nullptr) {
      out.push_back(absl::StrCat(
          "member ", ForeignForLog(m.id()), " added: ", StatusText(m.status()), ", endpoint ",
          ForeignForLog(m.endpoint()), ", trust ", m.trust_milli() / 1000.0, ", certificate ",
          HexEncode(m.cert_sha256()).substr(0, 16), ", ", RoleText(m)));
    } else {
      DescribeMemberChange(*old, m, out);
    }
  }
  for (const v1::RosterMember& m : before.members()) {
    if (find(after, m.id()) == nullptr) {
      out.push_back(absl::StrCat("member ", ForeignForLog(m.id()), " removed from the roster"));
    }
  }
  for (const v1::KeyEpoch& e : after.key_epochs()) {
    bool known = std::any_of(before.key_epochs().begin(), before.key_epochs().end(),
                             [&](const v1::KeyEpoch& k) { return k.epoch() == e.epoch(); });
    if (!known) {
      out.push_back(absl::StrCat("network key epoch ", e.epoch(), " added"));
    }
  }
  AdminSet old_admins = AdminSet::Of(before);
  AdminSet new_admins = AdminSet::Of(after);
  if (old_admins != new_admins) {
    std::string change =
        absl::StrCat("admin set ", AdminSetFingerprint(old_admins), " (", old_admins.threshold,
                     " of ", old_admins.keys.size(), ") -> ", AdminSetFingerprint(new_admins), " (",
                     new_admins.threshold, " of ", new_admins.keys.size(), ")");
    for (const std::string& k : new_admins.keys) {
      if (!old_admins.Contains(k)) {
        absl::StrAppend(&change, ", adds ", HexEncode(crypto::Sha256(k)).substr(0, 16));
      }
    }
    for (const std::string& k : old_admins.keys) {
      if (!new_admins.Contains(k)) {
        absl::StrAppend(&change, ", removes ", HexEncode(crypto::Sha256(k)).substr(0, 16));
      }
    }
    out.push_back(std::move(change));
  }
  if (before.expires_unix() != after.expires_unix()) {
    out.push_back(absl::StrCat(
        "expires ", absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(after.expires_unix()),
                                     absl::UTCTimeZone())));
  }
  return out;
}

std::string AdminSetFingerprint(const AdminSet& admins) {
  std::vector<std::string> keys = admins.keys;
  std::sort(keys.begin(), keys.end());
  std::string buf("authnet/v1/admin-set\0", 21);
  absl::StrAppend(&buf, admins.threshold, ":");
  for (const std::string& k : keys) {
    buf += k;
  }
  return HexEncode(crypto::Sha256(buf)).substr(0, 16);
}

absl::StatusOr<Roster> Roster::Verify(const v1::SignedRoster& signed_roster,
                                      absl::string_view admin_public_key,
                                      absl::string_view network) {
  return Verify(signed_roster, AdminSet{{std::string(admin_public_key)}, 1}, network);
}

absl::StatusOr<Roster> Roster::VerifySelf(const v1::SignedRoster& signed_roster,
                                          absl::string_view network) {
  v1::RosterBody body;
  if (!body.ParseFromString(signed_roster.body())) {
    return absl::InvalidArgumentError("roster: body does not parse");
  }
  return Verify(signed_roster, AdminSet::Of(body), network);
}

absl::StatusOr<v1::SignedRoster> Roster::Sign(
    const v1::RosterBody& body, const std::vector<const crypto::Ed25519Key*>& admin_keys) {
  if (absl::Status s = ValidateBody(body); !s.ok()) {
    return s;
  }
  v1::SignedRoster out;
  if (!body.SerializeToString(out.mutable_body())) {
    return absl::InternalError("roster: cannot serialize the body");
  }
  for (const crypto::Ed25519Key* key : admin_keys) {
    if (absl::Status s = AddSignature(out, *key); !s.ok() && !absl::IsAlreadyExists(s)) {
      return s;
    }
  }
  return out;
}

absl::StatusOr<v1::SignedRoster> Roster::Sign(const v1::RosterBody& body,
                                              const crypto::Ed25519Key& admin_key) {
  return Sign(body, std::vector<const crypto::Ed25519Key*>{&admin_key});
}

absl::Status Roster::AddSignature(v1::SignedRoster& signed_roster,
                                  const crypto::Ed25519Key& admin_key) {
  for (const v1::RosterSignature& sig : signed_roster.signatures()) {
    if (sig.public_key() == admin_key.PublicKey()) {
      return absl::AlreadyExistsError("this admin key has signed the roster already");
    }
  }
  absl::StatusOr<std::string> signature = admin_key.Sign(SignedMessage(signed_roster.body()));
  if (!signature.ok()) {
    return signature.status();
  }
  v1::RosterSignature* sig = signed_roster.add_signatures();
  sig->set_public_key(admin_key.PublicKey());
  sig->set_signature(*std::move(signature));
  return absl::OkStatus();
}

uint32_t Roster::NewestEpoch() const {
  return body_.key_epochs().empty() ? 0 : body_.key_epochs().rbegin()->epoch();
}

const v1::RosterMember* Roster::Find(absl::string_view id) const {
  for (const v1::RosterMember& m : body_.members()) {
    if (m.id() == id) {
      return &m;
    }
  }
  return nullptr;
}

bool IsEnrolledCertificate(const v1::RosterMember& member, absl::string_view cert_sha256) {
  return !cert_sha256.empty() &&
         (cert_sha256 == member.cert_sha256() || cert_sha256 == member.previous_cert_sha256());
}

}  // namespace authnet
