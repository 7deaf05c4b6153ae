#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "authnet/v1/checkout.pb.h"
#include "authnet/v1/records.pb.h"
#include "node/bundle/member_roles.h"
#include "node/core/digester.h"
#include "node/core/subject_normalizer.h"

namespace authnet {

// kMaxReportSerials bounds the units one lifecycle report names.
inline constexpr int kMaxReportSerials = 10'000;

// Publisher is who this node's member is, for what it may report.
struct Publisher {
  std::string member;
  v1::MemberRole role = v1::MEMBER_ROLE_PLATFORM;
  const BrandPrefixes* brands = nullptr;  // the roster's brands; never null
};

// LifecycleReport is what a lifecycle report becomes: its records and the
// units it names (for the idempotency request hash).
struct LifecycleReport {
  std::vector<v1::Record> records;
  std::vector<NormalizedSubject> subjects;
};

// MakeLifecycleReport turns a report of unit_commissioned,
// unit_decommissioned or gtin_serialized (already normalized into
// `normalized`) into records dated `today` that last `ttl_days`:
// commissioned units packed as sorted 8-byte unit keys, kMaxUnitKeys per
// record; one record per decommissioned unit; one for the GTIN. Each
// carries the prefix digest of the GTIN's company prefix.
// PERMISSION_DENIED unless `self` is the brand holding that prefix;
// INVALID_ARGUMENT (naming the field) for subjects the kind does not take
// or a bad serial.
[[nodiscard]] absl::StatusOr<LifecycleReport> MakeLifecycleReport(
    const v1::ReportRequest& req, const NormalizedSubjects& normalized, const Publisher& self,
    const Digester& digester, uint32_t today, uint32_t ttl_days);

}  // namespace authnet
