#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/enrollment.pb.h"

namespace authnet {

// Production enrollment (docs/architecture.md §4): the member makes its own keys and
// sends only public parts; the admins answer with public material only.
//
//   member:  GenerateMemberKeys(BUNDLE_DIR, ...)   node.key signing.key sealing.key
//                                                   + enroll-request.pb
//   admins:  VerifyEnrollRequest(request)           (AdminDir::AddMemberFromRequest)
//            -> ENROLL_DIR: node.crt ca.crt admin.pub roster.pb
//   member:  InstallEnrollment(BUNDLE_DIR, ENROLL_DIR)  checks, then completes the bundle

// GenerateMemberKeys creates `bundle_dir` (0700; it must be missing or
// empty) with a fresh TLS key (P-256), Ed25519 signing key and X25519
// sealing key (each 0600) and `enroll-request.pb`, and returns the request.
// INVALID_ARGUMENT naming the field for a bad id, network or endpoint;
// FAILED_PRECONDITION if `bundle_dir` is not empty. Nothing is left behind
// on failure.
[[nodiscard]] absl::StatusOr<v1::EnrollRequest> GenerateMemberKeys(
    const std::filesystem::path& bundle_dir, absl::string_view network, absl::string_view member_id,
    absl::string_view endpoint);

// RenewRequest writes a fresh enroll-request.pb into the complete bundle
// `bundle_dir` from the keys it holds (for `member renew`: the admins issue
// a new certificate for the same keys). `endpoint` empty: the one the
// bundle's roster lists. Returns the request.
[[nodiscard]] absl::StatusOr<v1::EnrollRequest> RenewRequest(
    const std::filesystem::path& bundle_dir, absl::string_view endpoint);

// VerifyEnrollRequest checks a request's proof of possession (the
// signature by the signing key it names, checked before anything else in it
// is read), then its fields: a valid network and member id, a HOST:PORT
// endpoint, 32-byte signing and sealing keys (the sealing key a valid
// X25519 point), and a PKCS#10 request signed by its own P-256 key.
// INVALID_ARGUMENT naming what is wrong. Returns the verified body.
[[nodiscard]] absl::StatusOr<v1::EnrollRequestBody> VerifyEnrollRequest(
    const v1::EnrollRequest& request);

// ReadEnrollRequest reads and parses a request file (not verified).
[[nodiscard]] absl::StatusOr<v1::EnrollRequest> ReadEnrollRequest(
    const std::filesystem::path& path);

// InstallEnrollment completes the bundle `bundle_dir` (made by
// GenerateMemberKeys) from the admins' answer in `from_dir`: node.crt must
// be issued by ca.crt for this member and network and belong to node.key;
// roster.pb must carry its admin set's signatures, that set must be exactly
// admin.pub's keys, and it must list this member with node.crt's
// fingerprint, this bundle's signing and sealing keys and network keys that
// open with sealing.key. Only then are node.crt, ca.crt, admin.pub and
// roster.pb copied in (the roster first, so a running node that watches the
// bundle keeps an enrolled certificate throughout). With `expected_admin_set`
// (AdminSetFingerprint, as the admins publish it) the roster's admin set and
// threshold must have that fingerprint: admin.pub alone cannot show that one
// admin did not forge a roster with a lower threshold. FAILED_PRECONDITION
// naming the file and what is wrong; nothing is written then.
struct Installed {
  uint64_t roster_version = 0;
  std::string admin_set;  // AdminSetFingerprint of the roster installed
};
[[nodiscard]] absl::StatusOr<Installed> InstallEnrollment(
    const std::filesystem::path& bundle_dir, const std::filesystem::path& from_dir,
    absl::string_view expected_admin_set = "");

}  // namespace authnet
