#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "authnet/v1/admin.pb.h"
#include "authnet/v1/checkout.pb.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/member_roles.h"
#include "node/bundle/roster.h"
#include "node/core/clock.h"
#include "node/core/digester.h"
#include "node/core/subject_normalizer.h"
#include "node/model/model_options.h"
#include "node/model/subject_verdict.h"
#include "node/model/unit_lifecycle.h"

namespace authnet {

// SubjectDigest is one digested subject of a check: its digest under the
// newest network key epoch and, when older epochs are still live, under
// each of those (evidence under all of them counts as one subject's).
struct SubjectDigest {
  v1::SubjectType type;
  DigestBytes digest;
  absl::InlinedVector<DigestBytes, 2> older_epochs;

  // Of is the subject's digest under one epoch, from its 32 bytes.
  static SubjectDigest Of(v1::SubjectType type, absl::string_view digest);
};

// DigestSubjects digests each subject under `digester`'s newest epoch and
// every older one in `live` (Model::LiveEpochs): what Check looks up.
std::vector<SubjectDigest> DigestSubjects(const std::vector<NormalizedSubject>& subjects,
                                          const Digester& digester,
                                          const std::vector<uint32_t>& live);

// DigestUnits makes the UnitQuery of each unit among `subjects` whose GTIN
// lies under a company prefix of `brands`, under every epoch of `live`
// (the newest last, as Model::LiveEpochs lists them). Units of GTINs no
// brand holds cost nothing.
std::vector<UnitQuery> DigestUnits(const std::vector<NormalizedSubject>& subjects,
                                   const Digester& digester, const std::vector<uint32_t>& live,
                                   const BrandPrefixes& brands);

// Model is the in-memory detection model (docs/architecture.md §3): per-digest
// evidence from every origin's records, kept current as batches land, and
// the decisions derived from it. Check never touches disk.
//
// Thread-safe: Check and the accessors take a shared lock; ApplyBatch and
// SetRoster take it exclusively for the time it takes to fold in a batch.
class Model {
 public:
  // `self` is this node's member id; `clock` must outlive the model.
  Model(ModelOptions options, const Clock& clock, std::string self);

  // SetRoster adopts the trust weights of `roster`: evidence from a member is
  // scaled by its trust, and counts for nothing unless it is active. Its
  // roles too: lifecycle records count only from a member that is a brand.
  void SetRoster(const Roster& roster) ABSL_LOCKS_EXCLUDED(mu_);
  // SetOptions replaces the thresholds checks are decided by (a configuration
  // reload); `options` must be valid (ModelOptions::Validate). The evidence
  // held is unchanged: the next check uses the new values.
  void SetOptions(const ModelOptions& options) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    options_ = options;
  }
  // Brands is the company prefixes of the roster's brands (DigestUnits).
  std::shared_ptr<const BrandPrefixes> Brands() const ABSL_LOCKS_EXCLUDED(mu_);
  // SelfRole is this node's member's role in the roster.
  v1::MemberRole SelfRole() const ABSL_LOCKS_EXCLUDED(mu_);
  // SetTrust is SetRoster from its parts: member id -> trust 0..1 (0 for a
  // member that is not active), and the roster version the fingerprint covers.
  void SetTrust(uint64_t roster_version, std::map<std::string, double> trust)
      ABSL_LOCKS_EXCLUDED(mu_);

  // AlertSink receives each supplier anomaly alert (ModelOptions alert_*) as
  // ApplyBatch raises it, on the thread that applied the batch, outside the
  // model's lock. It must not block. Suppliers are checked only while a sink
  // is set, and only on new adverse records dated within the alert window;
  // an alert needs deny_min_members members' adverse evidence in the window,
  // or this member's own.
  using AlertSink = std::function<void(const v1::SupplierAlert&)>;
  void SetAlertSink(AlertSink sink) ABSL_LOCKS_EXCLUDED(mu_);

  // ApplyBatch folds in a verified batch. Records the model already holds are
  // skipped; a batch that would leave a gap after the origin's last held seq
  // is FAILED_PRECONDITION and changes nothing.
  [[nodiscard]] absl::Status ApplyBatch(const v1::BatchBody& batch) ABSL_LOCKS_EXCLUDED(mu_);

  // Check fills `out` with the decision for `subjects` as of the clock's today,
  // and what their brands said about `units` (docs/architecture.md §3): decommissioned
  // denies, a unit of a serialized GTIN never commissioned is
  // not_commissioned (options' not_commissioned_decision), a commissioned
  // one gets the reason commissioned.
  void Check(const std::vector<SubjectDigest>& subjects, const std::vector<UnitQuery>& units,
             v1::CheckResponse* out) const ABSL_LOCKS_EXCLUDED(mu_);
  void Check(const std::vector<SubjectDigest>& subjects, v1::CheckResponse* out) const
      ABSL_LOCKS_EXCLUDED(mu_) {
    Check(subjects, {}, out);
  }

  // LiveEpochs returns those of `epochs` (ascending) under which the model
  // holds a record that still counts today, plus the last (the newest, which
  // new reports use): the epochs a check must digest under. An epoch with
  // nothing left to count is retired.
  std::vector<uint32_t> LiveEpochs(const std::vector<uint32_t>& epochs) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // IsRetracted reports whether `origin` has retracted its record `seq`.
  bool IsRetracted(const std::string& origin, uint64_t seq) const ABSL_LOCKS_EXCLUDED(mu_);

  // self is this node's member id.
  const std::string& self() const { return self_; }

  // Today is the model's day (days since 1970, UTC) by its clock.
  uint32_t Today() const { return clock_.Today(); }

  // LastSeq returns the highest contiguous seq held of `origin` (0 if none).
  uint64_t LastSeq(const std::string& origin) const ABSL_LOCKS_EXCLUDED(mu_);

  // Units returns how many commissioned units the model holds.
  uint64_t Units() const ABSL_LOCKS_EXCLUDED(mu_);
  // Records returns how many records (retractions included) the model holds.
  uint64_t Records() const ABSL_LOCKS_EXCLUDED(mu_);
  // VersionVector returns origin -> highest contiguous seq held.
  std::map<std::string, uint64_t> VersionVector() const ABSL_LOCKS_EXCLUDED(mu_);
  // Fingerprint returns the hex SHA-256 over the roster version and, per
  // origin in id order, its last seq and the hash chain of its records.
  // Nodes holding the same records under the same roster agree on it.
  std::string Fingerprint() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Evidence aggregates the records of one origin, kind, day and expiry.
  struct Evidence {
    uint32_t day;
    uint32_t expire_day;
    uint16_t origin;
    uint8_t kind;
    float weight;
    uint32_t count;
  };
  // DigestKey is the first 16 bytes of a digest: HMAC output is uniform, so
  // this indexes 10 million subjects with no chance collision, and half the
  // key halves the index (a crafted collision would need about 2^64 work and
  // only merge two subjects the crafter chose).
  struct DigestKey {
    uint64_t hi;
    uint64_t lo;
    bool operator==(const DigestKey&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const DigestKey& k) {
      return H::combine(std::move(h), k.hi, k.lo);
    }
  };
  static DigestKey KeyOf(absl::string_view digest);
  // Most subjects have one piece of evidence: keep it inline.
  using EvidenceList = absl::InlinedVector<Evidence, 1>;

  struct OriginState {
    std::string id;
    uint64_t last_seq = 0;
    std::string chain;  // SHA-256 hash chain over the origin's records
    double trust = 0;
    bool brand = false;  // lifecycle records count (and trust > 0)
  };

  uint16_t OriginIndex(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // AlertWindowStart is the first day of the alert window: the last
  // alert_window_days days, today included.
  uint32_t AlertWindowStart(uint32_t today) const;
  // CheckAnomaly raises an alert for the supplier `digest` if its recent
  // adverse rate rose against its history and none was raised this window.
  void CheckAnomaly(const std::string& digest, uint32_t key_epoch, uint32_t today,
                    std::vector<v1::SupplierAlert>* alerts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Fold(uint16_t origin, const v1::Record& record, int sign) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // FoldLifecycle is Fold for a lifecycle record.
  void FoldLifecycle(uint16_t origin, const v1::Record& record, int sign)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // EvaluateUnit is the verdict of `q`'s brand about its unit.
  SubjectVerdict EvaluateUnit(const UnitQuery& q, uint32_t today) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // GatherEvidence adds what `list` holds that still counts today to
  // `by_origin`, per origin.
  void GatherEvidence(const EvidenceList& list, uint32_t today,
                      std::vector<OriginEvidence>& by_origin) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  ModelOptions options_ ABSL_GUARDED_BY(mu_);
  const Clock& clock_;
  const std::string self_;

  mutable absl::Mutex mu_;
  std::vector<OriginState> origins_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint16_t> origin_index_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<DigestKey, EvidenceList> evidence_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::pair<uint16_t, uint64_t>> retracted_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, double> roster_trust_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> brand_ids_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const BrandPrefixes> brands_ ABSL_GUARDED_BY(mu_) =
      std::make_shared<const BrandPrefixes>();
  v1::MemberRole self_role_ ABSL_GUARDED_BY(mu_) = v1::MEMBER_ROLE_PLATFORM;
  UnitLifecycle lifecycle_ ABSL_GUARDED_BY(mu_);
  uint64_t roster_version_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t records_ ABSL_GUARDED_BY(mu_) = 0;
  AlertSink alert_sink_ ABSL_GUARDED_BY(mu_);
  // network key epoch -> the last expiry day of a record under it
  std::map<uint32_t, uint32_t> epoch_expiry_ ABSL_GUARDED_BY(mu_);
  // supplier digest -> day of its last alert
  absl::flat_hash_map<std::string, uint32_t> alerted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authnet
