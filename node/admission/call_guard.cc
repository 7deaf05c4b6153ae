#include "node/admission/call_guard.h"

#include "absl/strings/str_cat.h"
#include "node/core/log_text.h"
#include "node/metrics/metric_names.h"

namespace authnet {
namespace {

using grpc::experimental::InterceptionHookPoints;

// GuardInterceptor follows one call for CallGuard.
class GuardInterceptor final : public grpc::experimental::Interceptor {
 public:
  GuardInterceptor(CallGuard& guard, grpc::experimental::ServerRpcInfo* info)
      : guard_(guard), ctx_(*info->server_context()), method_(info->method()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      // Reset before the request came, or a request that does not parse.
      no_request_ = true;
      guard_.OnAbusiveCall(ctx_, "calls reset before their request or with a malformed request");
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (no_request_ && status.error_code() == grpc::StatusCode::UNIMPLEMENTED &&
          status.error_message().empty()) {
        methods->ModifySendStatus(
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                         absl::StrCat("request: not a valid request message for ", method_,
                                      " (malformed or truncated protobuf)")));
      } else if (!no_request_ && (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
                                  status.error_code() == grpc::StatusCode::PERMISSION_DENIED)) {
        guard_.OnAbusiveCall(ctx_, "calls refused for identity");
      } else if (!no_request_) {
        guard_.OnServedCall(ctx_);
      }
    }
    methods->Proceed();
  }

 private:
  CallGuard& guard_;
  const grpc::ServerContextBase& ctx_;
  const char* const method_;
  bool no_request_ = false;
};

class GuardFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GuardFactory(CallGuard& guard) : guard_(guard) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new GuardInterceptor(guard_, info);
  }

 private:
  CallGuard& guard_;
};

}  // namespace

CallGuard::CallGuard(Options options, std::string listener, ConnectionGate& gate,
                     MetricsRegistry* metrics, Describe describe,
                     std::shared_ptr<spdlog::logger> log)
    : listener_(std::move(listener)),
      gate_(gate),
      metrics_(metrics),
      describe_(std::move(describe)),
      log_(std::move(log)),
      marks_({options.per_second, options.burst}, "connection", nullptr, nullptr) {}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallGuard::NewInterceptorFactory() {
  return std::make_unique<GuardFactory>(*this);
}

void CallGuard::OnServedCall(const grpc::ServerContextBase& ctx) { gate_.NoteServed(ctx.peer()); }

void CallGuard::OnAbusiveCall(const grpc::ServerContextBase& ctx, const char* what) {
  std::string peer = ctx.peer();
  // Marks go by connection, named so that a later connection that gRPC
  // names alike ("fd:N" numbers are reused) starts afresh.
  uint64_t id = gate_.IdOf(peer);
  if (marks_.Admit(id == 0 ? peer : absl::StrCat("#", id)).ok() || !gate_.CloseAndBan(peer)) {
    return;  // within the limit, or closed already
  }
  std::string member = describe_ ? describe_(ctx) : "";
  std::string client = gate_.ClientOf(peer);
  if (metrics_ != nullptr) {
    MetricLabels labels{{"listener", listener_}};
    if (!member.empty()) {
      labels.push_back({"member", member});
    }
    metrics_->GetCounter(kAbusiveConnectionsClosed, kAbusiveConnectionsClosedHelp, labels)
        .Increment();
  }
  // At most a line a second: with bans off, a flood could reconnect fast.
  uint64_t unlogged = 0;
  {
    absl::MutexLock lock(&mu_);
    int64_t now = SteadyMicros();
    if (logged_ != 0 && now - logged_ < 1'000'000) {
      ++unlogged_;
      return;
    }
    logged_ = now;
    unlogged = std::exchange(unlogged_, 0);
  }
  log_->warn(
      "{} listener: closed the connection of {}{}: too many {} (an HTTP/2 rapid-reset flood, or a "
      "broken client); {}{}",
      listener_, client.empty() ? ForeignForLog(peer) : client,
      member.empty() ? "" : absl::StrCat(" (member ", member, ")"), what,
      gate_.ban().count() > 0 ? absl::StrCat("refusing new connections from it for ",
                                             gate_.ban().count(), " s (limits.abuse_ban_seconds)")
                              : std::string("not refusing it (limits.abuse_ban_seconds = 0)"),
      unlogged == 0 ? "" : absl::StrCat(" (", unlogged, " more closed since the last such line)"));
}

}  // namespace authnet
