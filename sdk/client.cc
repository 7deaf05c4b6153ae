#include "authnet/client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string_view>
#include <thread>

#include "absl/strings/str_cat.h"
#include "authnet/v1/checkout.grpc.pb.h"

namespace authnet {
namespace {

absl::Status FromGrpc(const grpc::Status& st) {
  if (st.ok()) {
    return absl::OkStatus();
  }
  return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
}

// Failures that mean "the node could not answer", as opposed to "the
// request is wrong".
bool NodeCouldNotAnswer(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

void ToProto(const Subjects& s, v1::Subjects* out) {
  out->set_gtin(s.gtin);
  out->set_serial(s.serial);
  out->set_lot(s.lot);
  out->set_supplier(s.supplier);
  out->set_seller(s.seller);
  out->set_nfc_uid(s.nfc_uid);
  out->set_image_phash(s.image_phash);
  out->set_gs1(s.gs1);
}

// "SUBJECT_TYPE_UNIT" -> "unit": the names the node uses in reasons.
std::string SubjectTypeName(v1::SubjectType t) {
  std::string name = v1::SubjectType_Name(t);
  constexpr std::string_view kPrefix = "SUBJECT_TYPE_";
  if (name.rfind(kPrefix, 0) == 0) {
    name.erase(0, kPrefix.size());
  }
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

CheckResult FromProto(const v1::CheckResponse& r) {
  CheckResult out;
  out.decision = r.decision() == v1::DECISION_DENY     ? Decision::kDeny
                 : r.decision() == v1::DECISION_REVIEW ? Decision::kReview
                                                       : Decision::kAllow;
  out.risk = r.risk();
  out.reporters = r.reporters();
  for (const v1::Reason& reason : r.reasons()) {
    out.reasons.push_back({SubjectTypeName(reason.subject_type()), reason.code(), reason.members(),
                           reason.newest_age_days(), reason.score(), reason.local(),
                           reason.summary()});
  }
  return out;
}

v1::SignalKind ToProto(SignalKind kind) {
  switch (kind) {
    case SignalKind::kCounterfeitConfirmed:
      return v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED;
    case SignalKind::kCounterfeitSuspected:
      return v1::SIGNAL_KIND_COUNTERFEIT_SUSPECTED;
    case SignalKind::kVerificationFailed:
      return v1::SIGNAL_KIND_VERIFICATION_FAILED;
    case SignalKind::kVerificationPassed:
      return v1::SIGNAL_KIND_VERIFICATION_PASSED;
    case SignalKind::kUnitSold:
      return v1::SIGNAL_KIND_UNIT_SOLD;
    case SignalKind::kReturnNotGenuine:
      return v1::SIGNAL_KIND_RETURN_NOT_GENUINE;
    case SignalKind::kUnitCommissioned:
      return v1::SIGNAL_KIND_UNIT_COMMISSIONED;
    case SignalKind::kUnitDecommissioned:
      return v1::SIGNAL_KIND_UNIT_DECOMMISSIONED;
    case SignalKind::kGtinSerialized:
      return v1::SIGNAL_KIND_GTIN_SERIALIZED;
  }
  return v1::SIGNAL_KIND_UNSPECIFIED;
}

std::string RandomKey() {
  std::random_device rd;
  std::string out = "sdk-";
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    uint32_t v = rd();
    for (int j = 0; j < 4; ++j) {
      out.push_back(kHex[(v >> (8 * j)) & 0xf]);
      out.push_back(kHex[(v >> (8 * j + 4)) & 0xf]);
    }
  }
  return out;
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  std::unique_ptr<v1::CheckoutService::Stub> stub;

  void SetDeadline(grpc::ClientContext* ctx) const {
    ctx->set_deadline(std::chrono::system_clock::now() + options.deadline);
  }
  CheckResult Fallback(const absl::Status& error) const {
    CheckResult r;
    r.decision =
        options.failure_policy == FailurePolicy::kFailOpen ? Decision::kAllow : Decision::kDeny;
    r.degraded = true;
    r.node_error = error;
    return r;
  }
  // Send makes a report's attempts; `generated_key`: the caller gave none
  // (so an error names the key to retry with).
  absl::StatusOr<ReportResult> Send(const v1::ReportRequest& req, bool generated_key);
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("target: required, e.g. unix:/run/authnet/api.sock");
  }
  if (options.deadline.count() <= 0) {
    return absl::InvalidArgumentError("deadline: must be positive");
  }
  if (options.report_attempts < 1 || options.report_attempts > 10) {
    return absl::InvalidArgumentError("report_attempts: must be 1 to 10");
  }
  if (!options.bearer_token.empty() && !options.tls) {
    return absl::InvalidArgumentError(
        "bearer_token: sent only over TLS; set tls (the node's remote api listener is TLS)");
  }
  auto impl = std::make_unique<Impl>();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);  // Report retries are ours, with one idempotency key
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (options.tls) {
    grpc::SslCredentialsOptions roots;
    roots.pem_root_certs = options.tls_root_certs_pem;
    creds = grpc::SslCredentials(roots);
    if (!options.bearer_token.empty()) {
      creds = grpc::CompositeChannelCredentials(creds,
                                                grpc::AccessTokenCredentials(options.bearer_token));
    }
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  }
  impl->stub = v1::CheckoutService::NewStub(grpc::CreateCustomChannel(options.target, creds, args));
  impl->options = std::move(options);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

absl::StatusOr<CheckResult> Client::Check(const Subjects& subjects) {
  v1::CheckRequest req;
  ToProto(subjects, req.mutable_subjects());
  v1::CheckResponse resp;
  grpc::ClientContext ctx;
  impl_->SetDeadline(&ctx);
  absl::Status st = FromGrpc(impl_->stub->Check(&ctx, req, &resp));
  if (!st.ok()) {
    if (NodeCouldNotAnswer(st.code())) {
      return impl_->Fallback(st);
    }
    return st;
  }
  return FromProto(resp);
}

absl::StatusOr<std::vector<CheckResult>> Client::CheckBatch(const std::vector<Subjects>& checks) {
  v1::CheckBatchRequest req;
  for (const Subjects& s : checks) {
    ToProto(s, req.add_checks()->mutable_subjects());
  }
  v1::CheckBatchResponse resp;
  grpc::ClientContext ctx;
  impl_->SetDeadline(&ctx);
  absl::Status st = FromGrpc(impl_->stub->CheckBatch(&ctx, req, &resp));
  std::vector<CheckResult> out;
  if (!st.ok()) {
    if (!NodeCouldNotAnswer(st.code())) {
      return st;
    }
    out.assign(checks.size(), impl_->Fallback(st));
    return out;
  }
  if (resp.results_size() != static_cast<int>(checks.size())) {
    return absl::InternalError(
        absl::StrCat("node answered ", resp.results_size(), " of ", checks.size(), " checks"));
  }
  for (const v1::CheckResponse& r : resp.results()) {
    out.push_back(FromProto(r));
  }
  return out;
}

absl::StatusOr<ReportResult> Client::Report(const Subjects& subjects, SignalKind kind,
                                            double weight, std::string idempotency_key) {
  v1::ReportRequest req;
  ToProto(subjects, req.mutable_subjects());
  req.set_kind(ToProto(kind));
  req.set_weight(weight);
  const bool generated_key = idempotency_key.empty();
  req.set_idempotency_key(generated_key ? RandomKey() : std::move(idempotency_key));
  return impl_->Send(req, generated_key);
}

absl::StatusOr<ReportResult> Client::ReportUnits(const std::string& gtin,
                                                 const std::vector<std::string>& serials,
                                                 SignalKind kind, std::string idempotency_key) {
  constexpr size_t kMaxSerials = 10'000;
  if (serials.size() > kMaxSerials) {
    return absl::InvalidArgumentError(
        absl::StrCat("serials: ", serials.size(), " in one report, at most ", kMaxSerials));
  }
  v1::ReportRequest req;
  req.mutable_subjects()->set_gtin(gtin);
  for (const std::string& serial : serials) {
    req.add_serials(serial);
  }
  req.set_kind(ToProto(kind));
  const bool generated_key = idempotency_key.empty();
  req.set_idempotency_key(generated_key ? RandomKey() : std::move(idempotency_key));
  return impl_->Send(req, generated_key);
}

absl::StatusOr<ReportResult> Client::Impl::Send(const v1::ReportRequest& req, bool generated_key) {
  absl::Status last;
  for (int attempt = 0; attempt < options.report_attempts; ++attempt) {
    if (attempt > 0) {
      // 10, 20, 40 ... ms, at most 200 ms between attempts.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(200, 5 << attempt)));
    }
    v1::ReportResponse resp;
    grpc::ClientContext ctx;
    SetDeadline(&ctx);
    last = FromGrpc(stub->Report(&ctx, req, &resp));
    if (last.ok()) {
      return ReportResult{resp.accepted(), resp.seq(), resp.replayed()};
    }
    if (last.code() != absl::StatusCode::kUnavailable &&
        last.code() != absl::StatusCode::kDeadlineExceeded) {
      return last;
    }
  }
  if (generated_key) {
    // The node may have committed an attempt after we gave up on it: only a
    // retry with this same key is sure to count once.
    return absl::Status(last.code(), absl::StrCat(last.message(), " (retry with idempotency key ",
                                                  req.idempotency_key(), ")"));
  }
  return last;
}

absl::StatusOr<RetractResult> Client::Retract(uint64_t seq, uint32_t count) {
  v1::RetractRequest req;
  req.set_seq(seq);
  req.set_count(count);
  v1::RetractResponse resp;
  grpc::ClientContext ctx;
  impl_->SetDeadline(&ctx);
  absl::Status st = FromGrpc(impl_->stub->Retract(&ctx, req, &resp));
  if (!st.ok()) {
    return st;
  }
  return RetractResult{resp.retracted(), resp.seq()};
}

}  // namespace authnet
