#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "authnet/v1/admin.grpc.pb.h"
#include "node/api/alert_hub.h"
#include "node/api/api_gate.h"
#include "node/api/overrides.h"
#include "node/api/usage_meter.h"
#include "node/core/clock.h"
#include "node/core/key_ring.h"
#include "node/model/model.h"
#include "node/sync/peer_manager.h"
#include "node/sync/roster_keeper.h"
#include "node/write/report_writer.h"
#include "spdlog/logger.h"

namespace authnet {

// AdminService serves the api listener's admin calls: Status (who this node
// is, what it holds, whom it peers with), ShowRoster (the signed roster in
// force), PushRoster and WatchAlerts.
// On a remote api listener every call needs an admin token. Thread-safe.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  // All references must outlive the service.
  // `gate` admits every call (an admin token on a remote listener).
  AdminService(std::string member, const ApiGate& gate, RosterKeeper& roster, const Model& model,
               const PeerManager& peers, AlertHub& alerts, const Clock& clock,
               std::shared_ptr<spdlog::logger> log)
      : member_(std::move(member)),
        gate_(gate),
        roster_(roster),
        model_(model),
        peers_(peers),
        alerts_(alerts),
        clock_(clock),
        log_(std::move(log)) {}

  // SetServingProbe tells Status what the node's health is: nullopt while
  // SERVING, else why not (call before the server starts; without it
  // Status reports serving).
  void SetServingProbe(std::function<std::optional<std::string>()> not_serving) {
    not_serving_ = std::move(not_serving);
  }
  // SetKeyRing tells Status which network key epochs the node holds (call
  // before the server starts; without it Status reports none).
  void SetKeyRing(const KeyRing* keys) { keys_ = keys; }
  // SetStoreStatus tells Status where the log lives and this replica's lag
  // (call before the server starts; without it Status leaves it empty).
  void SetStoreStatus(std::function<v1::StoreStatus()> store) { store_ = std::move(store); }

  // SetListeners tells Status where the node listens (call before the
  // server starts).
  void SetListeners(std::function<v1::Listeners()> listeners) { listeners_ = std::move(listeners); }
  // SetLocal gives the override and usage calls the overrides to keep (and
  // `writer`, to store them), the usage meter and this process's replica
  // name (call before the server starts; without it they are UNIMPLEMENTED).
  void SetLocal(OverrideTable* overrides, ReportWriter* writer, const UsageMeter* usage,
                std::string replica) {
    overrides_ = overrides;
    writer_ = writer;
    usage_ = usage;
    replica_ = std::move(replica);
  }
  // FillStatus is Status's answer, for the HTTP api's GET /v1/status.
  void FillStatus(v1::StatusResponse* resp) const;

  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* ctx, const v1::StatusRequest* req,
                                   v1::StatusResponse* resp) override;
  // ShowRoster answers the roster keeper's current signed roster (memory
  // only), to the callers Status admits.
  grpc::ServerUnaryReactor* ShowRoster(grpc::CallbackServerContext* ctx,
                                      const v1::ShowRosterRequest* req,
                                      v1::ShowRosterResponse* resp) override;
  grpc::ServerUnaryReactor* PushRoster(grpc::CallbackServerContext* ctx,
                                       const v1::PushRosterRequest* req,
                                       v1::PushRosterResponse* resp) override;
  grpc::ServerWriteReactor<v1::SupplierAlert>* WatchAlerts(
      grpc::CallbackServerContext* ctx, const v1::WatchAlertsRequest* req) override;
  // Local overrides and usage: admin_local.cc.
  grpc::ServerUnaryReactor* AddOverride(grpc::CallbackServerContext* ctx,
                                        const v1::AddOverrideRequest* req,
                                        v1::Override* resp) override;
  grpc::ServerUnaryReactor* ListOverrides(grpc::CallbackServerContext* ctx,
                                          const v1::ListOverridesRequest* req,
                                          v1::ListOverridesResponse* resp) override;
  grpc::ServerUnaryReactor* RemoveOverride(grpc::CallbackServerContext* ctx,
                                           const v1::RemoveOverrideRequest* req,
                                           v1::Override* resp) override;
  grpc::ServerUnaryReactor* Usage(grpc::CallbackServerContext* ctx, const v1::UsageRequest* req,
                                  v1::UsageResponse* resp) override;

 private:
  // AdmitLocal admits an admin call on the override and usage calls:
  // UNIMPLEMENTED without SetLocal.
  absl::StatusOr<std::string> AdmitLocal(grpc::CallbackServerContext& ctx) const;
  // StoreOverrides stores the table and answers `reactor` once durable; on
  // a failure it puts back `before` and answers UNAVAILABLE.
  void StoreOverrides(grpc::ServerUnaryReactor* reactor, std::string before,
                      std::function<void()> on_stored);

  const std::string member_;
  const ApiGate& gate_;
  RosterKeeper& roster_;
  const Model& model_;
  const PeerManager& peers_;
  AlertHub& alerts_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<std::optional<std::string>()> not_serving_;
  const KeyRing* keys_ = nullptr;
  std::function<v1::StoreStatus()> store_;
  std::function<v1::Listeners()> listeners_;
  OverrideTable* overrides_ = nullptr;
  ReportWriter* writer_ = nullptr;
  const UsageMeter* usage_ = nullptr;
  std::string replica_;
};

}  // namespace authnet
