#include "node/api/peer_service.h"

#include <map>

#include "node/api/grpc_status.h"
#include "node/api/peer_authorizer.h"

namespace authnet {
namespace {

// SubscribeStream is one peer's Subscribe call. Its state lives in a
// shared Handle the SyncFeed pokes; the reactor deletes itself in OnDone
// after detaching the handle, so a late poke finds no stream and does
// nothing.
class SubscribeStream final : public grpc::ServerWriteReactor<v1::SyncEvent> {
 public:
  class Handle final : public SyncFeed::Subscriber {
   public:
    Handle(SubscribeStream* stream, std::shared_ptr<const grpc::AuthContext> auth,
           const PeerService& service)
        : stream_(stream), auth_(std::move(auth)), service_(service) {}

    void Poke() override {
      absl::MutexLock lock(&mu_);
      if (stream_ == nullptr || finished_) {
        return;
      }
      if (writing_) {
        pending_ = true;
        return;
      }
      StartWriteLocked();
    }

    // OnRoster ends the stream unless the caller is still authorized: an
    // active member presenting its enrolled certificate.
    void OnRoster(const Roster& roster) override {
      absl::StatusOr<std::string> still = AuthorizePeer(*auth_, roster);
      if (!still.ok()) {
        Finish(ToGrpcStatus(still.status()));
      }
    }

    void Close() override {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "node is shutting down"));
    }

    void WriteDone(bool ok) {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (stream_ == nullptr) {
        return;
      }
      if (finish_pending_) {
        stream_->Finish(*finish_pending_);
        return;
      }
      if (!ok) {
        if (!finished_) {
          finished_ = true;
          stream_->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream write failed"));
        }
        return;
      }
      if (pending_ && !finished_) {
        pending_ = false;
        StartWriteLocked();
      }
    }

    void Finish(grpc::Status status) {
      absl::MutexLock lock(&mu_);
      if (stream_ == nullptr || finished_) {
        return;
      }
      finished_ = true;
      if (writing_) {
        finish_pending_ = std::move(status);  // finished once the write completes
      } else {
        stream_->Finish(status);
      }
    }

    void Detach() {
      absl::MutexLock lock(&mu_);
      stream_ = nullptr;
    }

   private:
    void StartWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      event_ = service_.Event();
      writing_ = true;
      stream_->StartWrite(&event_);
    }

    absl::Mutex mu_;
    SubscribeStream* stream_ ABSL_GUARDED_BY(mu_);
    const std::shared_ptr<const grpc::AuthContext> auth_;
    const PeerService& service_;
    v1::SyncEvent event_ ABSL_GUARDED_BY(mu_);
    bool writing_ ABSL_GUARDED_BY(mu_) = false;
    bool pending_ ABSL_GUARDED_BY(mu_) = false;
    bool finished_ ABSL_GUARDED_BY(mu_) = false;
    std::optional<grpc::Status> finish_pending_ ABSL_GUARDED_BY(mu_);
  };

  SubscribeStream(std::shared_ptr<const grpc::AuthContext> auth, const PeerService& service,
                  const RosterKeeper& roster, SyncFeed& feed)
      : feed_(feed), handle_(std::make_shared<Handle>(this, std::move(auth), service)) {
    feed_.Add(handle_);
    // A roster adopted between the caller's authorization and joining the
    // feed would have missed this stream: check again now that it is in.
    handle_->OnRoster(*roster.Current());
    handle_->Poke();  // the current state first
  }

  void OnWriteDone(bool ok) override { handle_->WriteDone(ok); }
  void OnCancel() override { handle_->Finish(grpc::Status::CANCELLED); }
  void OnDone() override {
    feed_.Remove(handle_);
    handle_->Detach();
    delete this;
  }

 private:
  SyncFeed& feed_;
  std::shared_ptr<Handle> handle_;
};

}  // namespace

absl::StatusOr<std::string> PeerService::Authorize(grpc::CallbackServerContext* ctx) const {
  absl::StatusOr<std::string> peer = AuthorizePeer(*ctx->auth_context(), *roster_.Current());
  if (!peer.ok()) {
    log_->warn("refused peer call from {}: {}", ctx->peer(), std::string(peer.status().message()));
  }
  return peer;
}

std::map<std::string, uint64_t> PeerService::ServedHeads() const {
  std::shared_ptr<const Roster> roster = roster_.Current();
  std::map<std::string, uint64_t> heads = model_.VersionVector();
  std::erase_if(heads, [&](const auto& entry) {
    const v1::RosterMember* m = roster->Find(entry.first);
    return m == nullptr || m->status() != v1::MEMBER_STATUS_ACTIVE;
  });
  return heads;
}

v1::SyncEvent PeerService::Event() const {
  v1::SyncEvent event;
  event.set_roster_version(roster_.Current()->version());
  for (const auto& [origin, seq] : ServedHeads()) {
    (*event.mutable_heads())[origin] = seq;
  }
  return event;
}

grpc::ServerUnaryReactor* PeerService::GetRoster(grpc::CallbackServerContext* ctx,
                                                 const v1::GetRosterRequest* req,
                                                 v1::GetRosterResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (req->has_offer() && !ctx->auth_context()->FindPropertyValues("x509_pem_cert").empty()) {
    // Signed by the network admin or refused: safe to take from any caller
    // the network CA vouched for, before knowing whether the roster we hold
    // lists them.
    absl::StatusOr<bool> adopted = roster_.Offer(req->offer());
    if (!adopted.ok()) {
      log_->warn("peer {} offered a roster this node refuses: {}", ctx->peer(),
                 std::string(adopted.status().message()));
    }
  }
  absl::StatusOr<std::string> peer = Authorize(ctx);
  if (!peer.ok()) {
    reactor->Finish(ToGrpcStatus(peer.status()));
    return reactor;
  }
  std::shared_ptr<const Roster> roster = roster_.Current();
  resp->set_version(roster->version());
  if (roster->version() > req->known_version()) {
    *resp->mutable_roster() = roster->signed_roster();
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* PeerService::Pull(grpc::CallbackServerContext* ctx,
                                            const v1::PullRequest* req, v1::PullResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<std::string> peer = Authorize(ctx);
  if (!peer.ok()) {
    reactor->Finish(ToGrpcStatus(peer.status()));
    return reactor;
  }
  std::map<std::string, uint64_t> have(req->have().begin(), req->have().end());
  reader_.Pull(std::move(have), ServedHeads(), req->max_records(),
               [reactor, resp](absl::StatusOr<PullResult> result) {
                 if (result.ok()) {
                   for (v1::SignedBatch& b : result->batches) {
                     *resp->add_batches() = std::move(b);
                   }
                   resp->set_more(result->more);
                 }
                 reactor->Finish(ToGrpcStatus(result.status()));
               });
  return reactor;
}

grpc::ServerWriteReactor<v1::SyncEvent>* PeerService::Subscribe(
    grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* /*req*/) {
  absl::StatusOr<std::string> peer = Authorize(ctx);
  if (!peer.ok()) {
    class Refused final : public grpc::ServerWriteReactor<v1::SyncEvent> {
     public:
      explicit Refused(const absl::Status& st) { Finish(ToGrpcStatus(st)); }
      void OnDone() override { delete this; }
    };
    return new Refused(peer.status());
  }
  return new SubscribeStream(ctx->auth_context(), *this, roster_, feed_);
}

}  // namespace authnet
