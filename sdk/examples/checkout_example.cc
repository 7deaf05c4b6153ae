// checkout_example: how a checkout service uses authnet::Client.
//
//   checkout_example unix:/path/to/api.sock GTIN SERIAL
//
// Checks a unit, and reports it as a confirmed counterfeit when the
// operator passes --report. Prints the decision and its reasons.
#include <cstdio>
#include <cstring>
#include <string>

#include "authnet/client.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: checkout_example TARGET GTIN SERIAL [--report]\n");
    return 2;
  }
  authnet::ClientOptions options;
  options.target = argv[1];
  options.deadline = std::chrono::milliseconds(50);
  // A checkout that must not stall when the node is down sells unchecked.
  options.failure_policy = authnet::FailurePolicy::kFailOpen;
  absl::StatusOr<std::unique_ptr<authnet::Client>> client = authnet::Client::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "checkout_example: %s\n", client.status().ToString().c_str());
    return 1;
  }
  authnet::Subjects unit;
  unit.gtin = argv[2];
  unit.serial = argv[3];

  if (argc > 4 && std::strcmp(argv[4], "--report") == 0) {
    // The idempotency key ties retries of this one inspection together.
    absl::StatusOr<authnet::ReportResult> report =
        (*client)->Report(unit, authnet::SignalKind::kCounterfeitConfirmed, 1.0,
                          std::string("inspection-") + argv[3]);
    if (!report.ok()) {
      std::fprintf(stderr, "checkout_example: report: %s\n", report.status().ToString().c_str());
      return 1;
    }
    std::printf("reported: %u records from seq %llu%s\n", report->accepted,
                static_cast<unsigned long long>(report->seq),
                report->replayed ? " (already recorded)" : "");
  }

  absl::StatusOr<authnet::CheckResult> result = (*client)->Check(unit);
  if (!result.ok()) {
    std::fprintf(stderr, "checkout_example: check: %s\n", result.status().ToString().c_str());
    return 1;
  }
  const char* decision = result->decision == authnet::Decision::kDeny     ? "deny"
                         : result->decision == authnet::Decision::kReview ? "review"
                                                                          : "allow";
  std::printf("decision: %s (risk %.2f, %u reporters)%s\n", decision, result->risk,
              result->reporters, result->degraded ? " [node unavailable: fail-open]" : "");
  for (const authnet::Reason& r : result->reasons) {
    std::printf("  reason: %s\n", r.summary.c_str());
  }
  return 0;
}
