// AdminService's local calls: overrides (this node's own decisions for some
// subjects) and usage metering. Neither touches the shared log.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/api/admin_service.h"
#include "node/api/grpc_status.h"
#include "node/core/log_text.h"

namespace authnet {
namespace {

grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* ctx, const absl::Status& st) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(st));
  return reactor;
}

std::string TypesText(const v1::Override& o) {
  std::vector<std::string> names;
  for (int t : o.subject_types()) {
    names.emplace_back(SubjectTypeName(static_cast<v1::SubjectType>(t)));
  }
  return absl::StrJoin(names, "+");
}

}  // namespace

absl::StatusOr<std::string> AdminService::AdmitLocal(grpc::CallbackServerContext& ctx) const {
  absl::StatusOr<std::string> client = gate_.Admit(ctx, ApiRole::kAdmin);
  if (client.ok() &&
      (overrides_ == nullptr || writer_ == nullptr || usage_ == nullptr || keys_ == nullptr)) {
    return absl::UnimplementedError("this node serves no overrides or usage");
  }
  return client;
}

void AdminService::StoreOverrides(grpc::ServerUnaryReactor* reactor, std::string before,
                                  std::function<void()> on_stored) {
  writer_->SubmitMeta(kOverridesMetaKey, overrides_->Serialized(),
                      [this, reactor, before = std::move(before), on_stored = std::move(on_stored)](
                          absl::StatusOr<WriteResult> stored) mutable {
                        if (!stored.ok()) {
                          overrides_->Load(before);
                          reactor->Finish(ToGrpcStatus(absl::UnavailableError(absl::StrCat(
                              "the overrides were not changed: ", stored.status().message()))));
                          return;
                        }
                        on_stored();
                        reactor->Finish(grpc::Status::OK);
                      });
}

grpc::ServerUnaryReactor* AdminService::AddOverride(grpc::CallbackServerContext* ctx,
                                                    const v1::AddOverrideRequest* req,
                                                    v1::Override* resp) {
  absl::StatusOr<std::string> client = AdmitLocal(*ctx);
  if (!client.ok()) {
    return Finished(ctx, client.status());
  }
  if (absl::Status st = ValidateOverride(*req); !st.ok()) {
    return Finished(ctx, st);
  }
  const uint32_t today = clock_.Today();
  absl::StatusOr<NormalizedSubjects> subjects = NormalizeSubjects(req->subjects(), today);
  if (!subjects.ok()) {
    absl::string_view message = subjects.status().message();
    return Finished(ctx, absl::InvalidArgumentError(absl::StartsWith(message, "subjects")
                                                        ? std::string(message)
                                                        : absl::StrCat("subjects.", message)));
  }
  v1::Override o;
  o.set_decision(req->decision());
  for (const NormalizedSubject& s : subjects->subjects) {
    o.add_subject_types(s.type);
  }
  for (std::string& key : OverrideTable::KeysOf(subjects->subjects, *keys_->Current())) {
    o.add_keys(std::move(key));
  }
  o.set_reason(req->reason());
  o.set_created_by(*client);
  o.set_created_unix(clock_.NowMicros() / 1'000'000);
  o.set_expires_day(req->expires_days() == 0 ? 0 : today + req->expires_days());
  std::string before = overrides_->Serialized();
  *resp = overrides_->Add(std::move(o));
  resp->clear_keys();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  StoreOverrides(reactor, std::move(before), [this, resp] {
    log_->warn("local override {} added by {}: {} checks naming {}{} (reason: \"{}\")", resp->id(),
               resp->created_by(), resp->decision() == v1::DECISION_DENY ? "deny" : "allow",
               TypesText(*resp),
               resp->expires_day() == 0 ? std::string()
                                        : absl::StrCat(", until ", DayText(resp->expires_day())),
               ForeignForLog(resp->reason(), 200));
  });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::ListOverrides(grpc::CallbackServerContext* ctx,
                                                      const v1::ListOverridesRequest* /*req*/,
                                                      v1::ListOverridesResponse* resp) {
  absl::StatusOr<std::string> client = AdmitLocal(*ctx);
  if (!client.ok()) {
    return Finished(ctx, client.status());
  }
  for (v1::Override& o : overrides_->List()) {
    o.clear_keys();
    *resp->add_overrides() = std::move(o);
  }
  resp->set_next_id(overrides_->NextId());
  return Finished(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::RemoveOverride(grpc::CallbackServerContext* ctx,
                                                       const v1::RemoveOverrideRequest* req,
                                                       v1::Override* resp) {
  absl::StatusOr<std::string> client = AdmitLocal(*ctx);
  if (!client.ok()) {
    return Finished(ctx, client.status());
  }
  std::string before = overrides_->Serialized();
  std::optional<v1::Override> gone = overrides_->Remove(req->id());
  if (!gone) {
    return Finished(ctx, absl::NotFoundError(
                             absl::StrCat("id: there is no override ", req->id(),
                                          " on this node (authnetctl override list shows them)")));
  }
  *resp = *std::move(gone);
  resp->clear_keys();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  StoreOverrides(reactor, std::move(before), [this, resp, by = *client] {
    log_->warn("local override {} removed by {}", resp->id(), by);
  });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Usage(grpc::CallbackServerContext* ctx,
                                              const v1::UsageRequest* req,
                                              v1::UsageResponse* resp) {
  absl::StatusOr<std::string> client = AdmitLocal(*ctx);
  if (!client.ok()) {
    return Finished(ctx, client.status());
  }
  absl::StatusOr<v1::UsageResponse> usage = usage_->Month(req->month(), clock_.Today());
  if (!usage.ok()) {
    return Finished(ctx, usage.status());
  }
  *resp = *std::move(usage);
  resp->set_replica(replica_);
  return Finished(ctx, absl::OkStatus());
}

}  // namespace authnet
