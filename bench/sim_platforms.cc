#include "bench/sim_platforms.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/api/lifecycle_report.h"
#include "node/core/subject_normalizer.h"
#include "node/crypto/ed25519_key.h"
#include "node/crypto/openssl_util.h"

namespace authnet::bench {

namespace {

// SimRoster is a real signed roster of the simulation's members, with
// their roles: the models learn from it who is a brand of which prefix.
absl::StatusOr<Roster> SimRoster(const std::vector<std::pair<std::string, v1::MemberRole>>& members,
                                 const std::string& brand_prefix) {
  absl::StatusOr<crypto::Ed25519Key> admin = crypto::Ed25519Key::Generate();
  if (!admin.ok()) {
    return admin.status();
  }
  v1::RosterBody body;
  body.set_network("sim");
  body.set_version(1);
  body.add_admin_keys(admin->PublicKey());
  body.set_admin_threshold(1);
  for (const auto& [id, role] : members) {
    absl::StatusOr<crypto::Ed25519Key> key = crypto::Ed25519Key::Generate();
    if (!key.ok()) {
      return key.status();
    }
    v1::RosterMember* m = body.add_members();
    m->set_id(id);
    m->set_status(v1::MEMBER_STATUS_ACTIVE);
    m->set_endpoint("127.0.0.1:1");
    m->set_trust_milli(1000);
    m->set_cert_sha256(std::string(32, 'c'));
    m->set_signing_public_key(key->PublicKey());
    m->set_role(role);
    if (role == v1::MEMBER_ROLE_BRAND) {
      m->add_company_prefixes(brand_prefix);
    }
  }
  absl::StatusOr<v1::SignedRoster> signed_roster = Roster::Sign(body, *admin);
  if (!signed_roster.ok()) {
    return signed_roster.status();
  }
  return Roster::VerifySelf(*signed_roster, "sim");
}

}  // namespace

SimPlatforms::SimPlatforms(int platforms, int members, const ModelOptions& options,
                           NetworkKeys keys, uint32_t start_day, const SimExtras& extras)
    : clock_(start_day), digester_(std::move(keys)) {
  std::vector<std::pair<std::string, v1::MemberRole>> roles;
  for (int p = 0; p < platforms; ++p) {
    Platform& pl = platforms_.emplace_back();
    pl.id = absl::StrFormat("platform-%02d", p);
    pl.network = p / members;
    pl.model = std::make_unique<Model>(options, clock_, pl.id);
    roles.emplace_back(pl.id, v1::MEMBER_ROLE_PLATFORM);
  }
  if (extras.customs) {
    customs_ = static_cast<int>(platforms_.size());
    Platform& c = platforms_.emplace_back();
    c.id = "customs";
    c.model = std::make_unique<Model>(options, clock_, c.id);
    roles.emplace_back(c.id, v1::MEMBER_ROLE_OBSERVER);
  }
  if (!extras.brand_prefix.empty()) {
    brand_ = static_cast<int>(platforms_.size());
    Platform& b = platforms_.emplace_back();
    b.id = "brand";
    b.network = -1;
    roles.emplace_back(b.id, v1::MEMBER_ROLE_BRAND);
  }
  absl::StatusOr<Roster> roster = SimRoster(roles, extras.brand_prefix);
  for (Platform& pl : platforms_) {
    if (!pl.model) {
      continue;
    }
    if (roster.ok()) {
      pl.model->SetRoster(*roster);
    }
    std::map<std::string, double> trust;
    for (const Platform& other : platforms_) {
      if (other.network == pl.network || other.network == -1) {
        trust[other.id] = 1.0;
      }
    }
    pl.model->SetTrust(1, std::move(trust));
  }
}

void SimPlatforms::RotateKey() {
  std::map<uint32_t, NetworkKey> keys = digester_.keys().map();
  const NetworkKey& last = keys.rbegin()->second;
  std::string next = crypto::Sha256(
      absl::StrCat("authnet-sim/rotate\0",
                   absl::string_view(reinterpret_cast<const char*>(last.data()), last.size())));
  NetworkKey key;
  std::copy(next.begin(), next.end(), key.begin());
  keys.emplace(keys.rbegin()->first + 1, key);
  digester_ = Digester(*NetworkKeys::FromMap(std::move(keys)));
}

absl::StatusOr<std::vector<SubjectDigest>> SimPlatforms::Digest(
    const v1::Subjects& subjects) const {
  // The simulation's subjects carry no GS1 scan, whose dates `today` resolves.
  absl::StatusOr<NormalizedSubjects> normalized = NormalizeSubjects(subjects, /*today=*/0);
  if (!normalized.ok()) {
    return normalized.status();
  }
  return DigestSubjects(normalized->subjects, digester_, {});
}

absl::StatusOr<v1::CheckResponse> SimPlatforms::Check(int platform,
                                                      const v1::Subjects& subjects) const {
  const Model& model = *platforms_[platform].model;
  absl::StatusOr<NormalizedSubjects> normalized = NormalizeSubjects(subjects, /*today=*/0);
  if (!normalized.ok()) {
    return normalized.status();
  }
  const std::vector<uint32_t> live = model.LiveEpochs(digester_.Epochs());
  v1::CheckResponse check;
  model.Check(DigestSubjects(normalized->subjects, digester_, live),
              DigestUnits(normalized->subjects, digester_, live, *model.Brands()), &check);
  return check;
}

absl::Status SimPlatforms::FileLifecycle(v1::SignalKind kind, const std::string& gtin,
                                         const std::vector<std::string>& serials) {
  if (brand_ < 0) {
    return absl::FailedPreconditionError("the simulation has no brand");
  }
  v1::ReportRequest req;
  req.set_kind(kind);
  req.mutable_subjects()->set_gtin(gtin);
  for (const std::string& serial : serials) {
    req.add_serials(serial);
  }
  absl::StatusOr<NormalizedSubjects> normalized = NormalizeSubjects(req.subjects(), 0);
  if (!normalized.ok()) {
    return normalized.status();
  }
  std::shared_ptr<const BrandPrefixes> brands = platforms_[0].model->Brands();
  absl::StatusOr<LifecycleReport> made =
      MakeLifecycleReport(req, *normalized, {"brand", v1::MEMBER_ROLE_BRAND, brands.get()},
                          digester_, clock_.Today(), 3650);
  if (!made.ok()) {
    return made.status();
  }
  Platform& brand = platforms_[brand_];
  for (v1::Record& r : made->records) {
    r.set_seq(++brand.seq);
    *brand.pending.add_records() = std::move(r);
    ++records_;
  }
  return absl::OkStatus();
}

absl::Status SimPlatforms::File(int platform, const v1::Subjects& subjects, v1::SignalKind kind) {
  absl::StatusOr<std::vector<SubjectDigest>> digests = Digest(subjects);
  if (!digests.ok()) {
    return digests.status();
  }
  Platform& pl = platforms_[platform];
  for (SubjectDigest& d : *digests) {
    v1::Record* r = pl.pending.add_records();
    r->set_seq(++pl.seq);
    r->set_digest(d.digest.data(), d.digest.size());
    r->set_key_epoch(digester_.CurrentEpoch());
    r->set_subject_type(d.type);
    r->set_kind(kind);
    r->set_weight_milli(1000);
    r->set_day(clock_.Today());
    r->set_ttl_days(365);
    ++records_;
  }
  return absl::OkStatus();
}

absl::Status SimPlatforms::Flush() {
  for (Platform& pl : platforms_) {
    if (pl.pending.records_size() == 0) {
      continue;
    }
    pl.pending.set_origin(pl.id);
    pl.pending.set_first_seq(pl.pending.records(0).seq());
    pl.pending.set_last_seq(pl.seq);
    for (Platform& member : platforms_) {
      if (!member.model || (pl.network != -1 && member.network != pl.network)) {
        continue;
      }
      if (absl::Status st = member.model->ApplyBatch(pl.pending); !st.ok()) {
        return st;
      }
    }
    pl.pending.Clear();
  }
  return absl::OkStatus();
}

}  // namespace authnet::bench
