#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/checkout.grpc.pb.h"
#include "node/api/api_gate.h"
#include "node/core/clock.h"
#include "node/core/key_ring.h"
#include "node/core/subject_normalizer.h"
#include "node/model/model.h"
#include "node/write/report_writer.h"
#include "spdlog/logger.h"

namespace authnet {

// CheckoutService serves Check, CheckBatch, Report and Retract on the api
// listener. Subjects are normalized and digested on arrival; the raw values
// go no further than this class. Check reads only the in-memory model;
// Report and Retract hand off to the ReportWriter and answer once durable.
// Each call is admitted by the ApiGate first, charged for its work: one per
// check, one per subject reported, one per record retracted.
// Thread-safe; never blocks inside a reaction.
class CheckoutService final : public v1::CheckoutService::CallbackService {
 public:
  struct Options {
    // Records stop counting this many days after they were reported.
    uint32_t ttl_days = 365;
    // Most checks in one CheckBatch call.
    size_t max_batch_checks = 10'000;
    // Most records one Retract call may name.
    uint32_t max_retract_count = 1000;
  };

  // All references must outlive the service. `gate` admits every call (a
  // token on a remote listener, the caller's rate limit).
  CheckoutService(Options options, const ApiGate& gate, const KeyRing& keys, const Model& model,
                  ReportWriter& writer, const Clock& clock, std::shared_ptr<spdlog::logger> log)
      : options_(options),
        gate_(gate),
        keys_(keys),
        model_(model),
        writer_(writer),
        clock_(clock),
        log_(std::move(log)) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx, const v1::CheckRequest* req,
                                  v1::CheckResponse* resp) override;
  grpc::ServerUnaryReactor* CheckBatch(grpc::CallbackServerContext* ctx,
                                       const v1::CheckBatchRequest* req,
                                       v1::CheckBatchResponse* resp) override;
  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* ctx, const v1::ReportRequest* req,
                                   v1::ReportResponse* resp) override;
  grpc::ServerUnaryReactor* Retract(grpc::CallbackServerContext* ctx, const v1::RetractRequest* req,
                                    v1::RetractResponse* resp) override;

 private:
  // Normalize normalizes the subjects of a request; INVALID_ARGUMENT names
  // the field, prefixed with `field_prefix` (e.g. "checks[3].").
  static absl::StatusOr<std::vector<NormalizedSubject>> Normalize(const v1::Subjects& subjects,
                                                                  absl::string_view field_prefix);
  // DigestForCheck digests each subject under the newest epoch and every
  // older one in `live`.
  static std::vector<SubjectDigest> DigestForCheck(const std::vector<NormalizedSubject>& subjects,
                                                   const Digester& digester,
                                                   const std::vector<uint32_t>& live);

  const Options options_;
  const ApiGate& gate_;
  const KeyRing& keys_;
  const Model& model_;
  ReportWriter& writer_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace authnet
