// AdminDir's member operations: enrollment (one-step and from a request),
// revocation, renewal, and the public files an enrollment answer holds.
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/enrollment.h"
#include "node/bundle/file_names.h"
#include "node/bundle/member_roles.h"
#include "node/bundle/sealed_keys.h"
#include "node/bundle/secure_file.h"
#include "node/core/log_text.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<v1::RosterMember*> FindMember(v1::RosterBody& body, absl::string_view id) {
  for (v1::RosterMember& m : *body.mutable_members()) {
    if (m.id() == id) {
      return &m;
    }
  }
  return absl::NotFoundError(absl::StrCat("member \"", id, "\" is not in the roster"));
}

// IdTaken is the error for enrolling an id the roster already lists: a
// revoked id stays revoked, so its member needs a new one.
absl::Status IdTaken(const v1::RosterMember& existing) {
  if (existing.status() == v1::MEMBER_STATUS_REVOKED) {
    return absl::AlreadyExistsError(absl::StrCat("member \"", existing.id(),
                                                 "\" is revoked and a revoked id is never enrolled "
                                                 "again; enroll the member under a new id"));
  }
  return absl::AlreadyExistsError(
      absl::StrCat("member \"", existing.id(), "\" is already in the roster"));
}

absl::Status CheckTrust(double trust) {
  if (!std::isfinite(trust) || trust < 0.0 || trust > 1.0) {
    return absl::InvalidArgumentError("trust: must be a number from 0 to 1");
  }
  return absl::OkStatus();
}

// ApplyProfile sets `profile` on `member` and checks the roles of `body`
// (which holds `member`) the way nodes will.
absl::Status ApplyProfile(const MemberProfile& profile, v1::RosterMember& member,
                          const v1::RosterBody& body) {
  if (absl::Status s = CheckTrust(profile.trust); !s.ok()) {
    return s;
  }
  if (!profile.company_prefixes.empty() && profile.role != v1::MEMBER_ROLE_BRAND) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefixes: company prefixes are for brands, and member \"", member.id(),
                     "\" would be a ", RoleName(profile.role), " (give --role brand)"));
  }
  member.set_trust_milli(static_cast<uint32_t>(std::lround(profile.trust * 1000.0)));
  member.set_role(profile.role);
  member.clear_company_prefixes();
  for (const std::string& p : profile.company_prefixes) {
    member.add_company_prefixes(p);
  }
  return ValidateRoles(body);
}

absl::Status CheckOutDir(const fs::path& out_dir) {
  absl::StatusOr<bool> free = IsEmptyOrMissingDirectory(out_dir);
  if (!free.ok()) {
    return free.status();
  }
  if (!*free) {
    return absl::FailedPreconditionError(
        absl::StrCat("--out ", out_dir.string(),
                     " is not empty; give a new or empty directory (nothing is ever overwritten)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AdminDir::SealAll(v1::RosterMember& member, const v1::RosterBody& body) const {
  member.clear_network_keys();
  for (const v1::KeyEpoch& e : body.key_epochs()) {
    if (!network_keys_.Has(e.epoch())) {
      return absl::FailedPreconditionError(
          absl::StrCat("admin dir ", dir_.string(), ": network.keys lacks epoch ", e.epoch(),
                       " that the roster lists; restore network.keys from a backup"));
    }
    absl::StatusOr<v1::SealedNetworkKey> sealed =
        SealNetworkKey(network_, member, e.epoch(), network_keys_.Key(e.epoch()));
    if (!sealed.ok()) {
      return sealed.status();
    }
    *member.add_network_keys() = *std::move(sealed);
  }
  return absl::OkStatus();
}

absl::Status AdminDir::WriteEnrollment(const fs::path& out_dir, const std::string& cert_pem,
                                       bool new_dir) const {
  absl::StatusOr<std::string> admin_pub = AdminKeysPem(roster_.admins().keys);
  if (!admin_pub.ok()) {
    return admin_pub.status();
  }
  if (new_dir) {
    if (absl::Status s = CreatePrivateDirectory(out_dir); !s.ok()) {
      return s;
    }
  }
  for (const auto& [name, data] :
       {std::pair{kAdminPubFile, &std::as_const(*admin_pub)},
        std::pair{kCaCertFile, &ca_.cert_pem()}, std::pair{kNodeCertFile, &cert_pem}}) {
    if (absl::Status s = WriteFileAtomically(out_dir / name, *data, kPublicFileMode); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Publication> AdminDir::PublishEnrollment(v1::RosterBody body,
                                                        const fs::path& out_dir) {
  absl::StatusOr<Publication> published = Publish(std::move(body));
  if (!published.ok() || !published->complete) {
    return published;
  }
  if (absl::Status s = WriteFileAtomically(
          out_dir / kRosterFile, roster_.signed_roster().SerializeAsString(), kPublicFileMode);
      !s.ok()) {
    return absl::Status(
        s.code(),
        absl::StrCat("roster version ", published->version, " is published, but copying it to ",
                     out_dir.string(), " failed (copy ADMIN_DIR/roster.pb there): ", s.message()));
  }
  return published;
}

absl::StatusOr<Publication> AdminDir::AddMember(absl::string_view id, absl::string_view endpoint,
                                                const MemberProfile& profile,
                                                const fs::path& out_dir) {
  if (absl::Status s = CheckTrust(profile.trust); !s.ok()) {
    return s;
  }
  AdminSet admins = roster_.admins();
  uint32_t at_hand = 0;
  for (const crypto::Ed25519Key& key : signers_) {
    at_hand += admins.Contains(key.PublicKey()) ? 1 : 0;
  }
  if (at_hand < admins.threshold) {
    return absl::FailedPreconditionError(
        absl::StrCat("the one-step 'member add --endpoint' is for demos: it needs ",
                     admins.threshold, " admin keys at hand and ", at_hand,
                     " are; enroll with 'member keygen' / 'member add --request' instead"));
  }
  if (const v1::RosterMember* taken = roster_.Find(id); taken != nullptr) {
    return IdTaken(*taken);
  }
  absl::StatusOr<v1::EnrollRequest> request = GenerateMemberKeys(out_dir, network_, id, endpoint);
  if (!request.ok()) {
    return request.status();
  }
  absl::StatusOr<Publication> published =
      Enroll(id, *request, profile, out_dir, /*into_bundle=*/true);
  if (!published.ok() || !published->complete) {
    // out_dir was empty: remove what the enrollment wrote, keep the directory.
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(out_dir, ec)) {
      fs::remove(e.path(), ec);
    }
    return published.ok() ? absl::InternalError("the roster was not completed")
                          : published.status();
  }
  std::error_code ec;
  fs::remove(out_dir / kEnrollRequestFile, ec);
  return published;
}

absl::StatusOr<Publication> AdminDir::AddMemberFromRequest(absl::string_view id,
                                                           const v1::EnrollRequest& request,
                                                           const MemberProfile& profile,
                                                           const fs::path& out_dir) {
  return Enroll(id, request, profile, out_dir, /*into_bundle=*/false);
}

absl::StatusOr<Publication> AdminDir::Enroll(absl::string_view id, const v1::EnrollRequest& request,
                                             const MemberProfile& profile, const fs::path& out_dir,
                                             bool into_bundle) {
  if (absl::Status s = CheckTrust(profile.trust); !s.ok()) {
    return s;
  }
  absl::StatusOr<v1::EnrollRequestBody> req = VerifyEnrollRequest(request);
  if (!req.ok()) {
    return req.status();
  }
  if (req->member_id() != id) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the request is from member \"", ForeignForLog(req->member_id()), "\", not \"", id, "\""));
  }
  if (req->network() != network_) {
    return absl::InvalidArgumentError(absl::StrCat("the request is for network \"",
                                                   ForeignForLog(req->network()), "\", this is \"",
                                                   network_, "\""));
  }
  // Public files only, into a new directory; the bundle of the one-step
  // path is the exception.
  const bool new_dir = !into_bundle;
  if (new_dir) {
    if (absl::Status s = CheckOutDir(out_dir); !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  if (const v1::RosterMember* taken = roster_.Find(id); taken != nullptr) {
    return IdTaken(*taken);
  }
  absl::StatusOr<std::string> cert_pem = ca_.IssueFromRequest(network_, id, req->csr_der());
  if (!cert_pem.ok()) {
    return cert_pem.status();
  }
  absl::StatusOr<std::string> fingerprint = crypto::CertificateSha256(*cert_pem);
  if (!fingerprint.ok()) {
    return fingerprint.status();
  }
  v1::RosterBody body = roster_.body();
  v1::RosterMember* member = body.add_members();
  member->set_id(std::string(id));
  member->set_status(v1::MEMBER_STATUS_ACTIVE);
  member->set_endpoint(req->endpoint());
  if (absl::Status s = ApplyProfile(profile, *member, body); !s.ok()) {
    return s;
  }
  member->set_cert_sha256(*fingerprint);
  member->set_signing_public_key(req->signing_public_key());
  member->set_sealing_public_key(req->sealing_public_key());
  if (absl::Status s = SealAll(*member, body); !s.ok()) {
    return s;
  }
  // The public files first: if one cannot be written, the roster is unchanged.
  if (absl::Status s = WriteEnrollment(out_dir, *cert_pem, new_dir); !s.ok()) {
    return s;
  }
  return PublishEnrollment(std::move(body), out_dir);
}

absl::StatusOr<std::optional<Publication>> AdminDir::RevokeMember(absl::string_view id,
                                                                  bool rotate) {
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  v1::RosterBody body = roster_.body();
  absl::StatusOr<v1::RosterMember*> member = FindMember(body, id);
  if (!member.ok()) {
    return member.status();
  }
  if ((*member)->status() == v1::MEMBER_STATUS_REVOKED) {
    return std::nullopt;
  }
  (*member)->set_status(v1::MEMBER_STATUS_REVOKED);
  (*member)->clear_network_keys();
  if (rotate) {
    if (absl::Status s = StartEpoch(body); !s.ok()) {
      return s;
    }
  }
  return Publish(std::move(body));
}

absl::StatusOr<Publication> AdminDir::UpdateMember(absl::string_view id,
                                                   const MemberUpdate& update) {
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  v1::RosterBody body = roster_.body();
  absl::StatusOr<v1::RosterMember*> member = FindMember(body, id);
  if (!member.ok()) {
    return member.status();
  }
  v1::RosterMember& m = **member;
  if (m.status() == v1::MEMBER_STATUS_REVOKED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "member \"", id, "\" is revoked; a revoked id stays revoked (enroll a new id)"));
  }
  MemberProfile profile;
  profile.trust = update.trust.value_or(m.trust_milli() / 1000.0);
  profile.role = update.role.value_or(RoleOf(m));
  if (update.company_prefixes) {
    profile.company_prefixes = *update.company_prefixes;
  } else if (profile.role == v1::MEMBER_ROLE_BRAND) {
    profile.company_prefixes.assign(m.company_prefixes().begin(), m.company_prefixes().end());
  }
  const std::string before = m.SerializeAsString();
  if (absl::Status s = ApplyProfile(profile, m, body); !s.ok()) {
    return s;
  }
  if (m.SerializeAsString() == before) {
    return absl::InvalidArgumentError(
        absl::StrCat("member \"", id,
                     "\" already has this role, these prefixes and this trust: "
                     "nothing to change"));
  }
  return Publish(std::move(body));
}

absl::StatusOr<Publication> AdminDir::RenewMember(absl::string_view id,
                                                  const v1::EnrollRequest& request,
                                                  const fs::path& out_dir, bool revoke_previous) {
  absl::StatusOr<v1::EnrollRequestBody> req = VerifyEnrollRequest(request);
  if (!req.ok()) {
    return req.status();
  }
  if (req->member_id() != id || req->network() != network_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the request is from member \"", ForeignForLog(req->member_id()), "\" of network \"",
        ForeignForLog(req->network()), "\", not \"", id, "\" of \"", network_, "\""));
  }
  if (absl::Status s = CheckOutDir(out_dir); !s.ok()) {
    return s;
  }
  absl::StatusOr<DirectoryLock> lock = LockAndReload();
  if (!lock.ok()) {
    return lock.status();
  }
  v1::RosterBody body = roster_.body();
  absl::StatusOr<v1::RosterMember*> member = FindMember(body, id);
  if (!member.ok()) {
    return member.status();
  }
  if ((*member)->status() == v1::MEMBER_STATUS_REVOKED) {
    return absl::FailedPreconditionError(
        absl::StrCat("member \"", id, "\" is revoked; a revoked member cannot be renewed"));
  }
  if ((*member)->signing_public_key() != req->signing_public_key()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the request is signed by another signing key than member \"", id,
        "\" enrolled: a renewal keeps the signing key (the member's records stay verifiable "
        "by it); make the request with 'authnetctl member keygen ",
        id, " --renew' in the member's bundle"));
  }
  absl::StatusOr<std::string> cert_pem = ca_.IssueFromRequest(network_, id, req->csr_der());
  if (!cert_pem.ok()) {
    return cert_pem.status();
  }
  absl::StatusOr<std::string> fingerprint = crypto::CertificateSha256(*cert_pem);
  if (!fingerprint.ok()) {
    return fingerprint.status();
  }
  v1::RosterMember& m = **member;
  m.set_previous_cert_sha256(revoke_previous ? "" : m.cert_sha256());
  m.set_cert_sha256(*fingerprint);
  m.set_endpoint(req->endpoint());
  if (m.sealing_public_key() != req->sealing_public_key()) {
    m.set_sealing_public_key(req->sealing_public_key());
    if (absl::Status s = SealAll(m, body); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = WriteEnrollment(out_dir, *cert_pem, true); !s.ok()) {
    return s;
  }
  return PublishEnrollment(std::move(body), out_dir);
}

}  // namespace authnet
