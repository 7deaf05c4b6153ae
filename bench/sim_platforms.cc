#include "bench/sim_platforms.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/core/subject_normalizer.h"
#include "node/crypto/openssl_util.h"

namespace authnet::bench {

SimPlatforms::SimPlatforms(int platforms, int members, const ModelOptions& options,
                           NetworkKeys keys, uint32_t start_day)
    : clock_(start_day), digester_(std::move(keys)) {
  for (int p = 0; p < platforms; ++p) {
    Platform& pl = platforms_.emplace_back();
    pl.id = absl::StrFormat("platform-%02d", p);
    pl.network = p / members;
    pl.model = std::make_unique<Model>(options, clock_, pl.id);
  }
  for (Platform& pl : platforms_) {
    std::map<std::string, double> trust;
    for (const Platform& other : platforms_) {
      if (other.network == pl.network) {
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
    const v1::Subjects& subjects, const std::vector<uint32_t>& live) const {
  // The simulation's subjects carry no GS1 scan, whose dates `today` resolves.
  absl::StatusOr<NormalizedSubjects> normalized = NormalizeSubjects(subjects, /*today=*/0);
  if (!normalized.ok()) {
    return normalized.status();
  }
  return DigestSubjects(normalized->subjects, digester_, live);
}

absl::StatusOr<v1::CheckResponse> SimPlatforms::Check(int platform,
                                                      const v1::Subjects& subjects) const {
  const Model& model = *platforms_[platform].model;
  absl::StatusOr<std::vector<SubjectDigest>> digests =
      Digest(subjects, model.LiveEpochs(digester_.Epochs()));
  if (!digests.ok()) {
    return digests.status();
  }
  v1::CheckResponse check;
  platforms_[platform].model->Check(*digests, &check);
  return check;
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
      if (member.network != pl.network) {
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
