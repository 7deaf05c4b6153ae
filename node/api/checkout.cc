#include "node/api/checkout.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "node/core/log_text.h"
#include "node/crypto/openssl_util.h"

namespace authnet {
namespace {

constexpr size_t kMaxIdempotencyKeyBytes = 128;

// Hash of what a report says, independent of its day and of the network key
// epoch, so a retry on another day or after a key rotation still matches
// its first attempt. Subjects enter as MACs under the node's own mac key.
std::string RequestHash(const Digester& digester, const std::vector<NormalizedSubject>& subjects,
                        int kind, uint32_t weight_milli) {
  std::string buf;
  for (const NormalizedSubject& s : subjects) {
    absl::StrAppend(&buf, digester.Mac(SubjectTypeName(s.type), s.value), ",", s.type, ";");
  }
  absl::StrAppend(&buf, kind, ",", weight_milli);
  return crypto::Sha256(buf);
}

// SubjectCount is the number of subjects a request names (its non-empty
// fields): what a report is charged against the caller's rate limit.
int SubjectCount(const v1::Subjects& s) {
  int n = 0;
  for (const std::string* field : {&s.gtin(), &s.serial(), &s.lot(), &s.supplier(), &s.seller(),
                                   &s.nfc_uid(), &s.image_phash(), &s.gs1()}) {
    n += field->empty() ? 0 : 1;
  }
  return n;
}

// AddExpired adds the `expired` reason when the scanned unit's GS1 expiry
// date is before `today`. It does not change the decision.
void AddExpired(const NormalizedSubjects& subjects, uint32_t today, v1::CheckResponse* resp) {
  if (!subjects.expiry_day || *subjects.expiry_day >= static_cast<int64_t>(today)) {
    return;
  }
  v1::Reason* r = resp->add_reasons();
  r->set_subject_type(subjects.subjects.front().type);
  r->set_code(ReasonCodeName(v1::REASON_CODE_EXPIRED));
  r->set_newest_age_days(static_cast<uint32_t>(today - *subjects.expiry_day));
  r->set_summary(
      absl::StrCat("gs1: expired ", Counted(today - *subjects.expiry_day, "day"), " ago (AI 17)"));
}

}  // namespace

absl::StatusOr<NormalizedSubjects> Checkout::Normalize(const v1::Subjects& subjects,
                                                       absl::string_view path) const {
  absl::StatusOr<NormalizedSubjects> normalized = NormalizeSubjects(subjects, clock_.Today());
  if (normalized.ok()) {
    return normalized;
  }
  // NormalizeSubjects names fields of Subjects ("gtin: ..."), or Subjects
  // itself ("subjects: none set"); put them under `path`.
  absl::string_view message = normalized.status().message();
  if (absl::ConsumePrefix(&message, "subjects:")) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", message));
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ".", message));
}

void Checkout::CheckOne(const NormalizedSubjects& subjects, const Digester& digester,
                        const std::vector<uint32_t>& live, const BrandPrefixes& brands,
                        v1::CheckResponse* resp) const {
  model_.Check(DigestSubjects(subjects.subjects, digester, live),
               DigestUnits(subjects.subjects, digester, live, brands), resp);
  AddExpired(subjects, clock_.Today(), resp);
  if (overrides_ != nullptr) {
    overrides_->Apply(subjects.subjects, digester, clock_.Today(), resp);
  }
}

void Checkout::Meter(const std::string& client, uint64_t checks, uint64_t reports) const {
  if (usage_ != nullptr) {
    usage_->Count(client, clock_.Today(), checks, reports);
  }
}

absl::Status Checkout::Check(const std::string& client, const v1::CheckRequest& req,
                             v1::CheckResponse* resp) const {
  if (absl::Status st = gate_.Charge(client, 1); !st.ok()) {
    return st;
  }
  absl::StatusOr<NormalizedSubjects> subjects = Normalize(req.subjects(), "subjects");
  if (!subjects.ok()) {
    return subjects.status();
  }
  std::shared_ptr<const Digester> digester = keys_.Current();
  CheckOne(*subjects, *digester, model_.LiveEpochs(digester->Epochs()), *model_.Brands(), resp);
  gate_.CountChecks(client, 1);
  Meter(client, 1, 0);
  return absl::OkStatus();
}

absl::Status Checkout::CheckBatch(const std::string& client, const v1::CheckBatchRequest& req,
                                  v1::CheckBatchResponse* resp) const {
  if (static_cast<size_t>(req.checks_size()) > options_.max_batch_checks) {
    return absl::ResourceExhaustedError(
        absl::StrCat("checks: ", req.checks_size(), " in one call, at most ",
                     options_.max_batch_checks, " allowed (limits.max_batch_checks)"));
  }
  if (absl::Status st = gate_.Charge(client, std::max(1, req.checks_size())); !st.ok()) {
    return st;
  }
  std::vector<NormalizedSubjects> all;
  all.reserve(req.checks_size());
  for (int i = 0; i < req.checks_size(); ++i) {
    absl::StatusOr<NormalizedSubjects> subjects =
        Normalize(req.checks(i).subjects(), absl::StrCat("checks[", i, "].subjects"));
    if (!subjects.ok()) {
      return subjects.status();
    }
    all.push_back(*std::move(subjects));
  }
  std::shared_ptr<const Digester> digester = keys_.Current();
  const std::vector<uint32_t> live = model_.LiveEpochs(digester->Epochs());
  std::shared_ptr<const BrandPrefixes> brands = model_.Brands();
  for (const NormalizedSubjects& subjects : all) {
    CheckOne(subjects, *digester, live, *brands, resp->add_results());
  }
  gate_.CountChecks(client, all.size());
  Meter(client, all.size(), 0);
  return absl::OkStatus();
}

absl::Status Checkout::ValidateReport(const v1::ReportRequest& req) {
  if (req.kind() == v1::SIGNAL_KIND_UNSPECIFIED || !v1::SignalKind_IsValid(req.kind())) {
    return absl::InvalidArgumentError(
        "kind: must be one of counterfeit_confirmed, counterfeit_suspected, "
        "verification_failed, verification_passed, unit_sold, return_not_genuine, "
        "unit_commissioned, unit_decommissioned, gtin_serialized");
  }
  if (req.serials_size() > 0 && req.kind() != v1::SIGNAL_KIND_UNIT_COMMISSIONED &&
      req.kind() != v1::SIGNAL_KIND_UNIT_DECOMMISSIONED) {
    return absl::InvalidArgumentError(
        "serials: only unit_commissioned and unit_decommissioned reports take serials");
  }
  if (req.serials_size() > kMaxReportSerials) {
    return absl::InvalidArgumentError(absl::StrCat("serials: ", req.serials_size(),
                                                   " in one report, at most ", kMaxReportSerials));
  }
  double weight = req.has_weight() ? req.weight() : 1.0;
  if (!std::isfinite(weight) || weight < 0 || weight > 1) {
    return absl::InvalidArgumentError(absl::StrCat("weight: ", weight, " is outside [0, 1]"));
  }
  if (req.idempotency_key().size() > kMaxIdempotencyKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("idempotency_key: ", req.idempotency_key().size(), " bytes, at most ",
                     kMaxIdempotencyKeyBytes, " allowed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LifecycleReport> Checkout::ReportRecords(const v1::ReportRequest& req,
                                                        const NormalizedSubjects& subjects,
                                                        const Digester& digester) const {
  const uint32_t today = clock_.Today();
  if (IsLifecycleKind(req.kind())) {
    std::shared_ptr<const BrandPrefixes> brands = model_.Brands();
    return MakeLifecycleReport(req, subjects, {model_.self(), model_.SelfRole(), brands.get()},
                               digester, today, options_.lifecycle_ttl_days);
  }
  const uint32_t weight_milli =
      static_cast<uint32_t>(std::lround((req.has_weight() ? req.weight() : 1.0) * 1000));
  LifecycleReport out;
  out.subjects = subjects.subjects;
  for (const NormalizedSubject& s : subjects.subjects) {
    Digest d = digester.Make(s.type, s.value);
    v1::Record& r = out.records.emplace_back();
    r.set_digest(std::move(d.bytes));
    r.set_key_epoch(d.epoch);
    r.set_subject_type(s.type);
    r.set_kind(req.kind());
    r.set_weight_milli(weight_milli);
    r.set_day(today);
    r.set_ttl_days(options_.ttl_days);
  }
  return out;
}

void Checkout::Report(const std::string& client, const v1::ReportRequest& req,
                      v1::ReportResponse* resp, Done done) {
  absl::Status st =
      gate_.Charge(client, std::max(1, SubjectCount(req.subjects()) + req.serials_size()));
  if (st.ok()) {
    st = ValidateReport(req);
  }
  if (st.ok() && model_.SelfRole() == v1::MEMBER_ROLE_OBSERVER) {
    st = absl::FailedPreconditionError(absl::StrCat(
        "this node's member ", model_.self(),
        " is an observer: observers check against the network's records and publish nothing "
        "(every other node would refuse its reports)"));
  }
  absl::StatusOr<NormalizedSubjects> subjects =
      st.ok() ? Normalize(req.subjects(), "subjects") : absl::StatusOr<NormalizedSubjects>(st);
  if (!subjects.ok()) {
    std::move(done)(subjects.status());
    return;
  }
  std::shared_ptr<const Digester> digester = keys_.Current();
  absl::StatusOr<LifecycleReport> made = ReportRecords(req, *subjects, *digester);
  if (!made.ok()) {
    std::move(done)(made.status());
    return;
  }
  std::string key_hash;
  if (!req.idempotency_key().empty()) {
    key_hash = digester->Mac("idempotency", req.idempotency_key());
  }
  const uint32_t weight_milli =
      static_cast<uint32_t>(std::lround((req.has_weight() ? req.weight() : 1.0) * 1000));
  writer_.SubmitReport(
      std::move(made->records), std::move(key_hash),
      RequestHash(*digester, made->subjects, req.kind(), weight_milli),
      [this, resp, client, done = std::move(done)](absl::StatusOr<WriteResult> result) mutable {
        if (result.ok()) {
          resp->set_accepted(result->count);
          resp->set_seq(result->first_seq);
          resp->set_replayed(result->replayed);
          gate_.CountReports(client, 1);
          Meter(client, 0, result->replayed ? 0 : 1);
        }
        std::move(done)(result.status());
      });
}

void Checkout::Retract(const std::string& client, const v1::RetractRequest& req,
                       v1::RetractResponse* resp, Done done) {
  uint32_t count = req.count() == 0 ? 1 : req.count();
  if (count > options_.max_retract_count) {
    std::move(done)(absl::ResourceExhaustedError(absl::StrCat(
        "count: ", count, " is more than ", Counted(options_.max_retract_count, "record"),
        " in one call (limits.max_retract_count)")));
    return;
  }
  if (absl::Status st = gate_.Charge(client, count); !st.ok()) {
    std::move(done)(st);
    return;
  }
  if (req.seq() == 0) {
    std::move(done)(absl::InvalidArgumentError("seq: required (a ReportResponse.seq)"));
    return;
  }
  writer_.SubmitRetract(req.seq(), count,
                        [resp, done = std::move(done)](absl::StatusOr<WriteResult> result) mutable {
                          if (result.ok()) {
                            resp->set_retracted(result->count);
                            resp->set_seq(result->first_seq);
                          }
                          std::move(done)(result.status());
                        });
}

}  // namespace authnet
