#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/checkout.pb.h"
#include "node/api/api_gate.h"
#include "node/api/lifecycle_report.h"
#include "node/api/overrides.h"
#include "node/api/usage_meter.h"
#include "node/core/clock.h"
#include "node/core/key_ring.h"
#include "node/core/subject_normalizer.h"
#include "node/model/model.h"
#include "node/write/report_writer.h"

namespace authnet {

// Checkout answers Check, CheckBatch, Report and Retract for every api
// transport (gRPC's CheckoutService, the HTTP/JSON api), for a caller the
// transport has already authenticated (`client`: a token name, uid:N or an
// address). Subjects are normalized and digested on arrival; the raw values
// go no further than this class. Check reads only the in-memory model;
// Report and Retract hand off to the ReportWriter and answer once durable.
// Each call is charged to the client's rate limit for its work: one per
// check, one per subject reported, one per record retracted.
// Thread-safe; never blocks.
class Checkout {
 public:
  struct Options {
    // Records stop counting this many days after they were reported ...
    uint32_t ttl_days = 365;
    // ... and lifecycle records (unit_commissioned, ...) after this many.
    uint32_t lifecycle_ttl_days = 3650;
    // Most checks in one CheckBatch call.
    size_t max_batch_checks = 10'000;
    // Most records one Retract call may name.
    uint32_t max_retract_count = 1000;
  };
  // Done receives a write's outcome; the response is filled before it runs.
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // All references must outlive the service. `overrides` (local overrides
  // applied to checks) and `usage` (where calls are metered) may be null.
  Checkout(Options options, const ApiGate& gate, const KeyRing& keys, const Model& model,
           ReportWriter& writer, const Clock& clock, const OverrideTable* overrides = nullptr,
           UsageMeter* usage = nullptr)
      : options_(options),
        gate_(gate),
        keys_(keys),
        model_(model),
        writer_(writer),
        clock_(clock),
        overrides_(overrides),
        usage_(usage) {}

  [[nodiscard]] absl::Status Check(const std::string& client, const v1::CheckRequest& req,
                                   v1::CheckResponse* resp) const;
  [[nodiscard]] absl::Status CheckBatch(const std::string& client, const v1::CheckBatchRequest& req,
                                        v1::CheckBatchResponse* resp) const;
  // Report and Retract call `done` exactly once, on this thread when the
  // request is refused, else on the writer's once the write is durable.
  void Report(const std::string& client, const v1::ReportRequest& req, v1::ReportResponse* resp,
              Done done);
  void Retract(const std::string& client, const v1::RetractRequest& req, v1::RetractResponse* resp,
               Done done);

 private:
  // Normalize normalizes the Subjects at `path` ("subjects",
  // "checks[3].subjects"); INVALID_ARGUMENT names the field under it.
  absl::StatusOr<NormalizedSubjects> Normalize(const v1::Subjects& subjects,
                                               absl::string_view path) const;
  // CheckOne answers one check of normalized subjects.
  void CheckOne(const NormalizedSubjects& subjects, const Digester& digester,
                const std::vector<uint32_t>& live, const BrandPrefixes& brands,
                v1::CheckResponse* resp) const;
  // ValidateReport checks a report's fields other than its subjects.
  static absl::Status ValidateReport(const v1::ReportRequest& req);
  // ReportRecords makes a report's records and the subjects its request
  // hash covers: a record per subject, or a lifecycle report's records.
  absl::StatusOr<LifecycleReport> ReportRecords(const v1::ReportRequest& req,
                                                const NormalizedSubjects& subjects,
                                                const Digester& digester) const;
  // Meter counts a client's calls in `usage_`.
  void Meter(const std::string& client, uint64_t checks, uint64_t reports) const;

  const Options options_;
  const ApiGate& gate_;
  const KeyRing& keys_;
  const Model& model_;
  ReportWriter& writer_;
  const Clock& clock_;
  const OverrideTable* const overrides_;
  UsageMeter* const usage_;
};

}  // namespace authnet
