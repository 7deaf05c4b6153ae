#include "node/api/checkout_service.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "node/api/grpc_status.h"
#include "node/core/subject_normalizer.h"
#include "node/crypto/openssl_util.h"

namespace authnet {
namespace {

constexpr size_t kMaxIdempotencyKeyBytes = 128;

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx, const absl::Status& st) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(st));
  return reactor;
}

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
                                   &s.nfc_uid(), &s.image_phash()}) {
    n += field->empty() ? 0 : 1;
  }
  return n;
}

}  // namespace

absl::StatusOr<std::vector<NormalizedSubject>> CheckoutService::Normalize(
    const v1::Subjects& subjects, absl::string_view field_prefix) {
  absl::StatusOr<std::vector<NormalizedSubject>> normalized = NormalizeSubjects(subjects);
  if (!normalized.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field_prefix, normalized.status().message()));
  }
  return normalized;
}

std::vector<SubjectDigest> CheckoutService::DigestForCheck(
    const std::vector<NormalizedSubject>& subjects, const Digester& digester,
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

grpc::ServerUnaryReactor* CheckoutService::Check(grpc::CallbackServerContext* ctx,
                                                 const v1::CheckRequest* req,
                                                 v1::CheckResponse* resp) {
  absl::StatusOr<std::string> client = gate_.Admit(*ctx, ApiRole::kCheckout);
  if (!client.ok()) {
    return FinishNow(ctx, client.status());
  }
  absl::StatusOr<std::vector<NormalizedSubject>> subjects = Normalize(req->subjects(), "");
  if (subjects.ok()) {
    std::shared_ptr<const Digester> digester = keys_.Current();
    model_.Check(DigestForCheck(*subjects, *digester, model_.LiveEpochs(digester->Epochs())), resp);
    gate_.CountChecks(*client, 1);
  }
  return FinishNow(ctx, subjects.status());
}

grpc::ServerUnaryReactor* CheckoutService::CheckBatch(grpc::CallbackServerContext* ctx,
                                                      const v1::CheckBatchRequest* req,
                                                      v1::CheckBatchResponse* resp) {
  absl::StatusOr<std::string> client = gate_.Authenticate(*ctx, ApiRole::kCheckout);
  if (!client.ok()) {
    return FinishNow(ctx, client.status());
  }
  if (static_cast<size_t>(req->checks_size()) > options_.max_batch_checks) {
    return FinishNow(ctx, absl::ResourceExhaustedError(absl::StrCat(
                              "checks: ", req->checks_size(), " in one call, at most ",
                              options_.max_batch_checks, " allowed (limits.max_batch_checks)")));
  }
  if (absl::Status st = gate_.Charge(*client, std::max(1, req->checks_size())); !st.ok()) {
    return FinishNow(ctx, st);
  }
  std::shared_ptr<const Digester> digester = keys_.Current();
  const std::vector<uint32_t> live = model_.LiveEpochs(digester->Epochs());
  std::vector<std::vector<SubjectDigest>> all;
  all.reserve(req->checks_size());
  for (int i = 0; i < req->checks_size(); ++i) {
    absl::StatusOr<std::vector<NormalizedSubject>> subjects =
        Normalize(req->checks(i).subjects(), absl::StrCat("checks[", i, "].subjects."));
    if (!subjects.ok()) {
      return FinishNow(ctx, subjects.status());
    }
    all.push_back(DigestForCheck(*subjects, *digester, live));
  }
  for (const std::vector<SubjectDigest>& digests : all) {
    model_.Check(digests, resp->add_results());
  }
  gate_.CountChecks(*client, all.size());
  return FinishNow(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* CheckoutService::Report(grpc::CallbackServerContext* ctx,
                                                  const v1::ReportRequest* req,
                                                  v1::ReportResponse* resp) {
  absl::StatusOr<std::string> client =
      gate_.Admit(*ctx, ApiRole::kCheckout, std::max(1, SubjectCount(req->subjects())));
  if (!client.ok()) {
    return FinishNow(ctx, client.status());
  }
  if (req->kind() == v1::SIGNAL_KIND_UNSPECIFIED || !v1::SignalKind_IsValid(req->kind())) {
    return FinishNow(ctx, absl::InvalidArgumentError(
                              "kind: must be one of counterfeit_confirmed, counterfeit_suspected, "
                              "verification_failed, verification_passed, unit_sold, "
                              "return_not_genuine"));
  }
  double weight = req->has_weight() ? req->weight() : 1.0;
  if (!std::isfinite(weight) || weight < 0 || weight > 1) {
    return FinishNow(
        ctx, absl::InvalidArgumentError(absl::StrCat("weight: ", weight, " is outside [0, 1]")));
  }
  if (req->idempotency_key().size() > kMaxIdempotencyKeyBytes) {
    return FinishNow(ctx, absl::InvalidArgumentError(absl::StrCat(
                              "idempotency_key: ", req->idempotency_key().size(),
                              " bytes, at most ", kMaxIdempotencyKeyBytes, " allowed")));
  }
  absl::StatusOr<std::vector<NormalizedSubject>> subjects = Normalize(req->subjects(), "subjects.");
  if (!subjects.ok()) {
    return FinishNow(ctx, subjects.status());
  }
  std::shared_ptr<const Digester> digester = keys_.Current();
  uint32_t today = clock_.Today();
  std::vector<v1::Record> records;
  for (const NormalizedSubject& s : *subjects) {
    Digest d = digester->Make(s.type, s.value);
    v1::Record& r = records.emplace_back();
    r.set_digest(std::move(d.bytes));
    r.set_key_epoch(d.epoch);
    r.set_subject_type(s.type);
    r.set_kind(req->kind());
    r.set_weight_milli(static_cast<uint32_t>(std::lround(weight * 1000)));
    r.set_day(today);
    r.set_ttl_days(options_.ttl_days);
  }
  std::string key_hash;
  if (!req->idempotency_key().empty()) {
    key_hash = digester->Mac("idempotency", req->idempotency_key());
  }
  std::string request_hash = RequestHash(*digester, *subjects, req->kind(),
                                         static_cast<uint32_t>(std::lround(weight * 1000)));
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  writer_.SubmitReport(
      std::move(records), std::move(key_hash), std::move(request_hash),
      [this, reactor, resp, client = *std::move(client)](absl::StatusOr<WriteResult> result) {
        if (result.ok()) {
          resp->set_accepted(result->count);
          resp->set_seq(result->first_seq);
          resp->set_replayed(result->replayed);
          gate_.CountReports(client, 1);
        }
        reactor->Finish(ToGrpcStatus(result.status()));
      });
  return reactor;
}

grpc::ServerUnaryReactor* CheckoutService::Retract(grpc::CallbackServerContext* ctx,
                                                   const v1::RetractRequest* req,
                                                   v1::RetractResponse* resp) {
  absl::StatusOr<std::string> client = gate_.Authenticate(*ctx, ApiRole::kCheckout);
  if (!client.ok()) {
    return FinishNow(ctx, client.status());
  }
  uint32_t count = req->count() == 0 ? 1 : req->count();
  if (count > options_.max_retract_count) {
    return FinishNow(ctx, absl::ResourceExhaustedError(absl::StrCat(
                              "count: ", count, " is more than ", options_.max_retract_count,
                              " records in one call (limits.max_retract_count)")));
  }
  if (absl::Status st = gate_.Charge(*client, count); !st.ok()) {
    return FinishNow(ctx, st);
  }
  if (req->seq() == 0) {
    return FinishNow(ctx, absl::InvalidArgumentError("seq: required (a ReportResponse.seq)"));
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  writer_.SubmitRetract(req->seq(), count, [reactor, resp](absl::StatusOr<WriteResult> result) {
    if (result.ok()) {
      resp->set_retracted(result->count);
      resp->set_seq(result->first_seq);
    }
    reactor->Finish(ToGrpcStatus(result.status()));
  });
  return reactor;
}

}  // namespace authnet
