#pragma once

// authnet::Client: the SDK checkout and inspection services use to ask their
// own authnet node about products, units, suppliers and sellers, and to
// report what they find. This header is the whole public API; it does not
// pull in gRPC.
//
//   authnet::ClientOptions options;
//   options.target = "unix:/run/authnet/api.sock";
//   auto client = authnet::Client::Create(options);
//   if (!client.ok()) { ... }
//   authnet::Subjects unit{.gtin = "4006381333931", .serial = "SN-1"};
//   absl::StatusOr<authnet::CheckResult> r = (*client)->Check(unit);
//   if (r.ok() && r->decision == authnet::Decision::kDeny) { block the sale }

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace authnet {

// Decision is the node's answer to a check.
enum class Decision { kAllow, kReview, kDeny };

// SignalKind is what a report says about its subjects.
enum class SignalKind {
  kCounterfeitConfirmed,
  kCounterfeitSuspected,
  kVerificationFailed,
  kVerificationPassed,
  kUnitSold,  // a serialized unit was sold or activated
  kReturnNotGenuine,
  // Unit lifecycle, reported only by a node whose member has the roster role
  // "brand", for GTINs under its GS1 company prefixes (any other node answers
  // PERMISSION_DENIED):
  kUnitCommissioned,    // the brand registered this genuine unit
  kUnitDecommissioned,  // destroyed, recalled or stolen: any later sale is suspect
  kGtinSerialized,      // every genuine unit of this GTIN is commissioned
};

// FailurePolicy says what Check does when the node cannot answer in time
// (unavailable, deadline exceeded, overloaded).
enum class FailurePolicy {
  kFailOpen,    // answer kAllow, marked degraded: sales go on, unchecked
  kFailClosed,  // answer kDeny, marked degraded: nothing sells unchecked
};

// Subjects names what a check or report is about. Leave unknown fields
// empty; at least one must be set. serial and lot need gtin (or gs1).
// Serials and lots are case-sensitive (GS1 AIs 21 and 10); supplier and
// seller names are matched after Unicode normalization and case folding
// (docs/integrators/identifiers.md).
struct Subjects {
  std::string gtin;
  std::string serial;
  std::string lot;
  std::string supplier;
  std::string seller;
  std::string nfc_uid;
  std::string image_phash;
  // What a scanner or label gives: "(01)...(21)...", raw scan data with GS
  // separators, or a GS1 Digital Link URI. Its (01)/(21)/(10) act as gtin,
  // serial and lot.
  std::string gs1;
};

// Reason explains one piece of evidence behind a decision.
struct Reason {
  std::string
      subject_type;  // "gtin", "unit", "lot", "supplier", "seller", "nfc_uid", "image_phash"
  std::string code;  // the closed set of ReasonCode (checkout.proto): "counterfeit_confirmed", ...,
                     // "expired", "not_commissioned", "decommissioned", "commissioned",
                     // "local_override"
  uint32_t members = 0;  // distinct members behind it
  uint32_t newest_age_days = 0;
  double score = 0;
  bool local = false;   // this platform's own member reported it
  std::string summary;  // one line for people
};

// CheckResult is the answer to one check.
struct CheckResult {
  Decision decision = Decision::kAllow;
  double risk = 0;         // 0..1
  uint32_t reporters = 0;  // distinct members with adverse evidence
  std::vector<Reason> reasons;
  // degraded is true when the node did not answer and the decision comes
  // from the FailurePolicy; node_error then says why.
  bool degraded = false;
  absl::Status node_error;
};

// ReportResult says which records a report made: seq .. seq + accepted - 1.
struct ReportResult {
  uint32_t accepted = 0;
  uint64_t seq = 0;
  bool replayed = false;  // an earlier attempt with the same idempotency key counted
};

// RetractResult says how many records were newly retracted.
struct RetractResult {
  uint32_t retracted = 0;
  uint64_t seq = 0;  // first retraction record, 0 if none was needed
};

// ClientOptions configures a Client.
struct ClientOptions {
  // The node's api listener: "unix:/path/to/api.sock" or "127.0.0.1:7701".
  std::string target;
  // Deadline of every call (each attempt, for retried reports).
  std::chrono::milliseconds deadline{50};
  // What Check and CheckBatch answer when the node cannot.
  FailurePolicy failure_policy = FailurePolicy::kFailOpen;
  // Attempts per Report when the node is unavailable or slow; every attempt
  // carries the same idempotency key, so the report counts once.
  int report_attempts = 3;  // 1 to 10
  // A remote node (an api listener on a non-loopback address) is reached
  // over TLS with a bearer token from `authnetctl token create`. With
  // `tls` false the channel is plain text, for a unix socket or loopback.
  bool tls = false;
  // PEM roots that verify the node's api certificate (empty: the system's).
  std::string tls_root_certs_pem;
  // The name the node's certificate carries, if not the target's host.
  std::string tls_server_name;
  // Sent as "authorization: Bearer TOKEN" on every call; needs `tls`.
  std::string bearer_token;
};

// Client talks to one authnet node. Thread-safe: share one Client across
// threads; calls are independent.
class Client {
 public:
  // Create checks `options` and prepares a channel to the node. It does not
  // wait for the node: a node that is down shows up as calls failing
  // UNAVAILABLE. INVALID_ARGUMENT for an empty target or a deadline <= 0.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Check asks whether `subjects` look risky. INVALID_ARGUMENT (naming the
  // field) for bad input. When the node cannot answer, returns the
  // FailurePolicy's decision with degraded = true instead of an error.
  [[nodiscard]] absl::StatusOr<CheckResult> Check(const Subjects& subjects);

  // CheckBatch checks many at once; results are in input order. Failure
  // handling as in Check, for the whole batch.
  [[nodiscard]] absl::StatusOr<std::vector<CheckResult>> CheckBatch(
      const std::vector<Subjects>& checks);

  // Report records a signal about `subjects` with `weight` in [0, 1]. It
  // returns once the node has made it durable. `idempotency_key` identifies
  // the report across retries (e.g. "return-8812"); pass one, so that your
  // own retries count once too. If empty, one is generated for this call's
  // retries and named in the error message. Errors: INVALID_ARGUMENT for
  // bad input, UNAVAILABLE / DEADLINE_EXCEEDED when every attempt failed —
  // the report may or may not have counted: call again with the same key.
  [[nodiscard]] absl::StatusOr<ReportResult> Report(const Subjects& subjects, SignalKind kind,
                                                    double weight = 1.0,
                                                    std::string idempotency_key = "");

  // ReportUnits reports `kind` (SignalKind::kUnitCommissioned or
  // kUnitDecommissioned) for many serials of one GTIN at once, up to
  // 10,000 (a brand member's node only, for GTINs under its company
  // prefixes). Retries and errors as Report; more than 10,000 serials is
  // INVALID_ARGUMENT without a call.
  [[nodiscard]] absl::StatusOr<ReportResult> ReportUnits(const std::string& gtin,
                                                         const std::vector<std::string>& serials,
                                                         SignalKind kind,
                                                         std::string idempotency_key = "");

  // Retract withdraws this node's records seq .. seq + count - 1 (as a
  // ReportResult named them) from the model of every node.
  [[nodiscard]] absl::StatusOr<RetractResult> Retract(uint64_t seq, uint32_t count = 1);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authnet
