#include "bench/sim_platforms.h"

#include <map>

#include "absl/strings/str_format.h"
#include "node/core/subject_normalizer.h"

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

absl::StatusOr<std::vector<SubjectDigest>> SimPlatforms::Digest(
    const v1::Subjects& subjects) const {
  absl::StatusOr<std::vector<NormalizedSubject>> normalized = NormalizeSubjects(subjects);
  if (!normalized.ok()) {
    return normalized.status();
  }
  std::vector<SubjectDigest> out;
  for (const NormalizedSubject& n : *normalized) {
    out.push_back({n.type, digester_.Make(n.type, n.value).bytes});
  }
  return out;
}

absl::StatusOr<v1::CheckResponse> SimPlatforms::Check(int platform,
                                                      const v1::Subjects& subjects) const {
  absl::StatusOr<std::vector<SubjectDigest>> digests = Digest(subjects);
  if (!digests.ok()) {
    return digests.status();
  }
  v1::CheckResponse check;
  platforms_[platform].model->Check(*digests, &check);
  return check;
}

absl::Status SimPlatforms::File(int platform, const v1::Subjects& subjects,
                                v1::SignalKind kind) {
  absl::StatusOr<std::vector<SubjectDigest>> digests = Digest(subjects);
  if (!digests.ok()) {
    return digests.status();
  }
  Platform& pl = platforms_[platform];
  for (SubjectDigest& d : *digests) {
    v1::Record* r = pl.pending.add_records();
    r->set_seq(++pl.seq);
    r->set_digest(std::move(d.digest));
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
