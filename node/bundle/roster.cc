#include "node/bundle/roster.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "node/core/host_port.h"

namespace authnet {
namespace {

constexpr absl::string_view kSignatureDomain("authnet/v1/roster\0", 18);
constexpr uint32_t kMaxTrustMilli = 1000;

std::string SignedMessage(absl::string_view body) { return absl::StrCat(kSignatureDomain, body); }

absl::Status InvalidMember(int index, absl::string_view id, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("roster member #", index, " (\"", id, "\"): ", what));
}

}  // namespace

absl::Status Roster::ValidateBody(const v1::RosterBody& body) {
  if (!IsValidNetworkName(body.network())) {
    return absl::InvalidArgumentError(
        absl::StrCat("roster: network name \"", body.network(), "\" is not valid"));
  }
  if (body.version() < 1) {
    return absl::InvalidArgumentError("roster: version must be at least 1");
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
  }
  return absl::OkStatus();
}

absl::StatusOr<Roster> Roster::Verify(const v1::SignedRoster& signed_roster,
                                      absl::string_view admin_public_key,
                                      absl::string_view network) {
  if (!crypto::VerifyEd25519(admin_public_key, SignedMessage(signed_roster.body()),
                             signed_roster.signature())) {
    return absl::InvalidArgumentError("roster: signature is not valid for the admin key");
  }
  v1::RosterBody body;
  if (!body.ParseFromString(signed_roster.body())) {
    return absl::InvalidArgumentError("roster: body does not parse");
  }
  if (body.network() != network) {
    return absl::InvalidArgumentError(absl::StrCat("roster: is for network \"", body.network(),
                                                   "\", expected \"", (network), "\""));
  }
  if (absl::Status s = ValidateBody(body); !s.ok()) {
    return s;
  }
  return Roster(signed_roster, std::move(body));
}

absl::StatusOr<v1::SignedRoster> Roster::Sign(const v1::RosterBody& body,
                                              const crypto::Ed25519Key& admin_key) {
  if (absl::Status s = ValidateBody(body); !s.ok()) {
    return s;
  }
  v1::SignedRoster out;
  if (!body.SerializeToString(out.mutable_body())) {
    return absl::InternalError("roster: cannot serialize the body");
  }
  absl::StatusOr<std::string> signature = admin_key.Sign(SignedMessage(out.body()));
  if (!signature.ok()) {
    return signature.status();
  }
  out.set_signature(*std::move(signature));
  return out;
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
