#include "node/model/model.h"

// The low-level SHA-256 is deprecated in OpenSSL 3; EVP costs more per
// record than the hash (see ChainRecord).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "node/core/hex.h"

namespace authnet {
namespace {

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

// ChainRecord returns SHA-256(chain || canonical encoding of `r`). The
// encoding is fixed-width so no two records encode alike. It runs once per
// record at every start-up: a stack buffer and the low-level SHA-256 keep
// it to the hash itself.
std::string ChainRecord(const std::string& chain, const v1::Record& r) {
  std::string buf;
  buf.reserve(chain.size() + 8 + 1 + r.digest().size() + 6 * 4 + 8 + 5 + r.prefix_digest().size() +
              r.unit_keys().size());
  buf.append(chain);
  PutBigEndian(&buf, r.seq(), 8);
  PutBigEndian(&buf, r.digest().size(), 1);
  buf.append(r.digest());
  PutBigEndian(&buf, r.key_epoch(), 4);
  PutBigEndian(&buf, static_cast<uint32_t>(r.subject_type()), 4);
  PutBigEndian(&buf, static_cast<uint32_t>(r.kind()), 4);
  PutBigEndian(&buf, r.weight_milli(), 4);
  PutBigEndian(&buf, r.day(), 4);
  PutBigEndian(&buf, r.ttl_days(), 4);
  PutBigEndian(&buf, r.retracts_seq(), 8);
  // Lifecycle fields only where a record has them, so the chain of every
  // record without them is what it always was. Each is length-prefixed.
  if (!r.prefix_digest().empty() || !r.unit_keys().empty()) {
    PutBigEndian(&buf, r.prefix_digest().size(), 1);
    buf.append(r.prefix_digest());
    PutBigEndian(&buf, r.unit_keys().size(), 4);
    buf.append(r.unit_keys());
  }
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, buf.data(), buf.size());
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256_Final(reinterpret_cast<unsigned char*>(out.data()), &ctx);
  return out;
}

}  // namespace

SubjectDigest SubjectDigest::Of(v1::SubjectType type, absl::string_view digest) {
  SubjectDigest out;
  out.type = type;
  out.digest.fill(0);
  std::memcpy(out.digest.data(), digest.data(), std::min(digest.size(), out.digest.size()));
  return out;
}

Model::DigestKey Model::KeyOf(absl::string_view digest) {
  unsigned char bytes[16] = {};
  std::memcpy(bytes, digest.data(), std::min(digest.size(), sizeof(bytes)));
  DigestKey key;
  std::memcpy(&key.hi, bytes, 8);
  std::memcpy(&key.lo, bytes + 8, 8);
  return key;
}

Model::Model(ModelOptions options, const Clock& clock, std::string self)
    : options_(options), clock_(clock), self_(std::move(self)) {}

void Model::SetRoster(const Roster& roster) {
  std::map<std::string, double> trust;
  absl::flat_hash_set<std::string> brand_ids;
  v1::MemberRole self_role = v1::MEMBER_ROLE_PLATFORM;
  for (const v1::RosterMember& m : roster.body().members()) {
    trust[m.id()] =
        m.status() == v1::MEMBER_STATUS_ACTIVE ? std::min(1000u, m.trust_milli()) / 1000.0 : 0.0;
    if (RoleOf(m) == v1::MEMBER_ROLE_BRAND) {
      brand_ids.insert(m.id());
    }
    if (m.id() == self_) {
      self_role = RoleOf(m);
    }
  }
  auto brands = std::make_shared<const BrandPrefixes>(BrandPrefixes::Of(roster.body()));
  {
    absl::MutexLock lock(&mu_);
    brand_ids_ = std::move(brand_ids);
    brands_ = std::move(brands);
    self_role_ = self_role;
    for (OriginState& o : origins_) {
      o.brand = brand_ids_.contains(o.id);
    }
  }
  SetTrust(roster.version(), std::move(trust));
}

std::shared_ptr<const BrandPrefixes> Model::Brands() const {
  absl::ReaderMutexLock lock(&mu_);
  return brands_;
}

v1::MemberRole Model::SelfRole() const {
  absl::ReaderMutexLock lock(&mu_);
  return self_role_;
}

uint64_t Model::Units() const {
  absl::ReaderMutexLock lock(&mu_);
  return lifecycle_.Units();
}

void Model::SetTrust(uint64_t roster_version, std::map<std::string, double> trust) {
  absl::MutexLock lock(&mu_);
  roster_trust_ = std::move(trust);
  roster_version_ = roster_version;
  for (OriginState& o : origins_) {
    auto it = roster_trust_.find(o.id);
    o.trust = it == roster_trust_.end() ? 0 : std::clamp(it->second, 0.0, 1.0);
  }
}

void Model::SetAlertSink(AlertSink sink) {
  absl::MutexLock lock(&mu_);
  alert_sink_ = std::move(sink);
}

uint16_t Model::OriginIndex(const std::string& id) {
  auto [it, inserted] = origin_index_.try_emplace(id, static_cast<uint16_t>(origins_.size()));
  if (inserted) {
    OriginState state;
    state.id = id;
    auto trust = roster_trust_.find(id);
    state.trust = trust == roster_trust_.end() ? 0 : std::clamp(trust->second, 0.0, 1.0);
    state.brand = brand_ids_.contains(id);
    origins_.push_back(std::move(state));
  }
  return it->second;
}

absl::Status Model::ApplyBatch(const v1::BatchBody& batch) {
  std::vector<v1::SupplierAlert> alerts;
  AlertSink sink;
  {
    absl::MutexLock lock(&mu_);
    if (!origin_index_.contains(batch.origin()) &&
        origins_.size() >= std::numeric_limits<uint16_t>::max()) {
      return absl::ResourceExhaustedError("model holds the maximum number of origins");
    }
    uint16_t origin = OriginIndex(batch.origin());
    OriginState& state = origins_[origin];
    if (batch.first_seq() > state.last_seq + 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("batch of ", batch.origin(), " starts at seq ", batch.first_seq(),
                       " but the model holds up to ", state.last_seq));
    }
    // Suppliers with new adverse evidence dated within the alert window,
    // checked for an anomaly below (only when someone listens: a node
    // rebuilding its model at start-up raises nothing).
    uint32_t today = clock_.Today();
    uint32_t window_start = AlertWindowStart(today);
    bool watch = static_cast<bool>(alert_sink_) && state.trust > 0;
    std::vector<std::pair<std::string, uint32_t>> suppliers;
    for (const v1::Record& r : batch.records()) {
      if (r.seq() <= state.last_seq) {
        continue;  // already held
      }
      state.chain = ChainRecord(state.chain, r);
      state.last_seq = r.seq();
      ++records_;
      if (IsLifecycleKind(r.kind())) {
        if (r.retracts_seq() == 0) {
          FoldLifecycle(origin, r, +1);
        } else if (r.retracts_seq() < r.seq() &&
                   retracted_.insert({origin, r.retracts_seq()}).second) {
          FoldLifecycle(origin, r, -1);
        }
      } else if (r.retracts_seq() == 0) {
        Fold(origin, r, +1);
        if (watch && r.subject_type() == v1::SUBJECT_TYPE_SUPPLIER &&
            AdverseOutcomes(r.kind()) > 0 && r.day() >= window_start && r.day() <= today) {
          suppliers.emplace_back(r.digest(), r.key_epoch());
        }
      } else if (r.retracts_seq() < r.seq() &&
                 retracted_.insert({origin, r.retracts_seq()}).second) {
        Fold(origin, r, -1);
      }
    }
    if (!suppliers.empty()) {
      std::sort(suppliers.begin(), suppliers.end());
      suppliers.erase(std::unique(suppliers.begin(), suppliers.end()), suppliers.end());
      for (const auto& [digest, epoch] : suppliers) {
        CheckAnomaly(digest, epoch, today, &alerts);
      }
    }
    sink = alert_sink_;
  }
  if (sink) {
    for (const v1::SupplierAlert& alert : alerts) {
      sink(alert);
    }
  }
  return absl::OkStatus();
}

uint32_t Model::AlertWindowStart(uint32_t today) const {
  uint32_t span = options_.alert_window_days - 1;
  return today >= span ? today - span : 0;
}

void Model::CheckAnomaly(const std::string& digest, uint32_t key_epoch, uint32_t today,
                         std::vector<v1::SupplierAlert>* alerts) {
  const ModelOptions& o = options_;
  auto last = alerted_.find(digest);
  if (last != alerted_.end() && today < last->second + o.alert_window_days) {
    return;
  }
  auto found = evidence_.find(KeyOf(digest));
  if (found == evidence_.end()) {
    return;
  }
  // The history is the alert_history_days before the window.
  uint32_t window_start = AlertWindowStart(today);
  uint32_t history_start =
      window_start >= o.alert_history_days ? window_start - o.alert_history_days : 0;
  double bad[2] = {0, 0};
  double good[2] = {0, 0};
  uint32_t records[2] = {0, 0};
  std::vector<uint16_t> members;
  bool local = false;
  for (const Evidence& e : found->second) {
    double trust = origins_[e.origin].trust;
    if (trust <= 0 || e.day > today || e.day < history_start || today >= e.expire_day ||
        e.weight <= 0) {
      continue;
    }
    int period = e.day >= window_start ? 1 : 0;
    double adverse = AdverseOutcomes(static_cast<v1::SignalKind>(e.kind));
    if (adverse > 0) {
      bad[period] += adverse * e.weight * trust;
      if (period == 1) {
        members.push_back(e.origin);
        local = local || origins_[e.origin].id == self_;
      }
    } else if (e.kind == v1::SIGNAL_KIND_VERIFICATION_PASSED) {
      good[period] += e.weight * trust;
    } else {
      continue;
    }
    records[period] += e.count;
  }
  if (records[0] < o.alert_min_records || records[1] < o.alert_min_records) {
    return;
  }
  double before = ReputationRate(bad[0], good[0], o);
  double after = ReputationRate(bad[1], good[1], o);
  if (after < o.reputation_review_rate || after < o.alert_rise * before) {
    return;
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  // Like a deny, an alert needs k members' adverse evidence (or this
  // member's own): one member cannot set off alarms on every node.
  if (!local && members.size() < o.deny_min_members) {
    return;
  }
  alerted_[digest] = today;
  v1::SupplierAlert& alert = alerts->emplace_back();
  alert.set_supplier_digest(digest);
  alert.set_key_epoch(key_epoch);
  alert.set_day(today);
  alert.set_rate_before(before);
  alert.set_rate_after(after);
  alert.set_records_before(records[0]);
  alert.set_records_after(records[1]);
  alert.set_members(static_cast<uint32_t>(members.size()));
  alert.set_window_days(o.alert_window_days);
}

void Model::Fold(uint16_t origin, const v1::Record& r, int sign) {
  int kind = r.kind();
  if (kind <= 0 || kind >= kSignalKinds) {
    return;  // a kind this binary does not know: held, fingerprinted, not scored
  }
  uint32_t expire = r.day() + r.ttl_days();
  if (sign > 0 && expire <= clock_.Today()) {
    // Already expired (Check would skip it): held and fingerprinted, never
    // counted. Assumes the clock does not step back past the expiry day; a
    // restart rebuilds the model from the store either way.
    return;
  }
  float weight = static_cast<float>(std::min(1000u, r.weight_milli()) / 1000.0);
  if (sign > 0) {
    uint32_t& last = epoch_expiry_[r.key_epoch()];
    last = std::max(last, expire);
  }
  DigestKey key = KeyOf(r.digest());
  EvidenceList& list = evidence_[key];
  auto it = std::find_if(list.begin(), list.end(), [&](const Evidence& e) {
    return e.origin == origin && e.kind == kind && e.day == r.day() && e.expire_day == expire;
  });
  if (sign > 0) {
    if (it == list.end()) {
      list.push_back({r.day(), expire, origin, static_cast<uint8_t>(kind), weight, 1});
    } else {
      it->weight += weight;
      ++it->count;
    }
    return;
  }
  if (it == list.end()) {
    return;  // retraction of a record that never counted
  }
  it->weight = std::max(0.0f, it->weight - weight);
  if (--it->count == 0) {
    list.erase(it);
    if (list.empty()) {
      evidence_.erase(key);
    }
  }
}

void Model::GatherEvidence(const EvidenceList& list, uint32_t today,
                           std::vector<OriginEvidence>& by_origin) const {
  for (const Evidence& e : list) {
    const OriginState& origin = origins_[e.origin];
    if (today >= e.expire_day || origin.trust <= 0 || e.weight <= 0) {
      continue;
    }
    uint32_t age = today > e.day ? today - e.day : 0;
    double value =
        e.weight * origin.trust * std::exp2(-static_cast<double>(age) / options_.half_life_days);
    auto slot = std::find_if(by_origin.begin(), by_origin.end(),
                             [&](const OriginEvidence& o) { return o.origin == e.origin; });
    if (slot == by_origin.end()) {
      slot = by_origin.insert(by_origin.end(), OriginEvidence{});
      slot->origin = e.origin;
      slot->local = origin.id == self_;
    }
    slot->weight[e.kind] += value;
    // A unit sold again by the same member on the same day is one sale (a
    // scanner retry is not a clone): sales count by distinct day.
    slot->count[e.kind] += e.kind == v1::SIGNAL_KIND_UNIT_SOLD ? 1 : e.count;
    slot->newest_day[e.kind] = std::max(slot->newest_day[e.kind], e.day);
  }
}

std::vector<uint32_t> Model::LiveEpochs(const std::vector<uint32_t>& epochs) const {
  std::vector<uint32_t> live;
  if (epochs.empty()) {
    return live;
  }
  uint32_t today = clock_.Today();
  absl::ReaderMutexLock lock(&mu_);
  for (size_t i = 0; i + 1 < epochs.size(); ++i) {
    auto it = epoch_expiry_.find(epochs[i]);
    if (it != epoch_expiry_.end() && it->second > today) {
      live.push_back(epochs[i]);
    }
  }
  live.push_back(epochs.back());
  return live;
}

void Model::Check(const std::vector<SubjectDigest>& subjects, const std::vector<UnitQuery>& units,
                  v1::CheckResponse* out) const {
  uint32_t today = clock_.Today();
  v1::Decision decision = v1::DECISION_ALLOW;
  double risk = 0;
  std::vector<uint16_t> reporters;
  std::vector<v1::Reason> reasons;
  std::vector<OriginEvidence> by_origin;
  auto merge = [&](SubjectVerdict v) {
    decision = std::max(decision, v.decision);
    risk = std::max(risk, v.risk);
    reporters.insert(reporters.end(), v.adverse_origins.begin(), v.adverse_origins.end());
    std::move(v.reasons.begin(), v.reasons.end(), std::back_inserter(reasons));
  };
  absl::ReaderMutexLock lock(&mu_);
  for (const SubjectDigest& subject : subjects) {
    by_origin.clear();
    auto gather = [&](const DigestBytes& digest) ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      auto found = evidence_.find(KeyOf(absl::string_view(digest.data(), digest.size())));
      if (found != evidence_.end()) {
        GatherEvidence(found->second, today, by_origin);
      }
    };
    gather(subject.digest);
    for (const DigestBytes& older : subject.older_epochs) {
      gather(older);
    }
    if (by_origin.empty()) {
      continue;
    }

    // Origins in id order, not arrival order: every node then sums the same
    // numbers in the same order and answers identically to the last bit.
    if (by_origin.size() > 1) {
      std::sort(by_origin.begin(), by_origin.end(),
                [&](const OriginEvidence& a, const OriginEvidence& b) {
                  return origins_[a.origin].id < origins_[b.origin].id;
                });
    }
    merge(EvaluateSubject(subject.type, by_origin, today, options_));
  }
  for (const UnitQuery& q : units) {
    merge(EvaluateUnit(q, today));
  }
  std::sort(reporters.begin(), reporters.end());
  reporters.erase(std::unique(reporters.begin(), reporters.end()), reporters.end());
  std::stable_sort(reasons.begin(), reasons.end(),
                   [](const v1::Reason& a, const v1::Reason& b) { return a.score() > b.score(); });
  out->set_decision(decision);
  out->set_risk(std::min(1.0, risk));
  out->set_reporters(static_cast<uint32_t>(reporters.size()));
  for (v1::Reason& r : reasons) {
    *out->add_reasons() = std::move(r);
  }
}

bool Model::IsRetracted(const std::string& origin, uint64_t seq) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = origin_index_.find(origin);
  return it != origin_index_.end() && retracted_.contains({it->second, seq});
}

uint64_t Model::LastSeq(const std::string& origin) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = origin_index_.find(origin);
  return it == origin_index_.end() ? 0 : origins_[it->second].last_seq;
}

uint64_t Model::Records() const {
  absl::ReaderMutexLock lock(&mu_);
  return records_;
}

std::map<std::string, uint64_t> Model::VersionVector() const {
  absl::ReaderMutexLock lock(&mu_);
  std::map<std::string, uint64_t> out;
  for (const OriginState& o : origins_) {
    out[o.id] = o.last_seq;
  }
  return out;
}

std::string Model::Fingerprint() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<const OriginState*> sorted;
  for (const OriginState& o : origins_) {
    sorted.push_back(&o);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const OriginState* a, const OriginState* b) { return a->id < b->id; });
  std::string buf = "authnet/v1/model";
  buf.push_back('\0');
  PutBigEndian(&buf, roster_version_, 8);
  for (const OriginState* o : sorted) {
    PutBigEndian(&buf, o->id.size(), 1);
    buf.append(o->id);
    PutBigEndian(&buf, o->last_seq, 8);
    buf.append(o->chain);
  }
  unsigned char hash[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(buf.data()), buf.size(), hash);
  return HexEncode(std::span<const uint8_t>(hash, sizeof(hash)));
}

std::vector<SubjectDigest> DigestSubjects(const std::vector<NormalizedSubject>& subjects,
                                          const Digester& digester,
                                          const std::vector<uint32_t>& live) {
  std::vector<SubjectDigest> out;
  out.reserve(subjects.size());
  for (const NormalizedSubject& s : subjects) {
    SubjectDigest& d = out.emplace_back();
    d.type = s.type;
    d.digest = digester.MakeNewest(s.type, s.value);
    for (size_t i = 0; i + 1 < live.size(); ++i) {
      d.older_epochs.push_back(digester.MakeUnder(live[i], s.type, s.value));
    }
  }
  return out;
}

}  // namespace authnet
