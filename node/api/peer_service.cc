#include "node/api/peer_service.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "node/api/feed_stream.h"
#include "node/api/grpc_status.h"
#include "node/api/peer_authorizer.h"

namespace authnet {
namespace {

// HostOf drops the port of a gRPC peer address ("ipv4:10.0.0.7:55012"):
// every connection from one host shares a rate-limit bucket.
std::string HostOf(const std::string& peer) {
  size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

}  // namespace

absl::Status PeerService::Limit(const std::string& client) const {
  return limiter_ == nullptr ? absl::OkStatus() : limiter_->Admit(client);
}

absl::StatusOr<std::string> PeerService::Authorize(grpc::CallbackServerContext* ctx) const {
  absl::StatusOr<std::string> peer = AuthorizePeer(*ctx->auth_context(), *roster_.Current());
  if (!peer.ok()) {
    // Refusals are limited per host, so a stranger cannot flood the log.
    if (absl::Status st = Limit("refused caller at " + HostOf(ctx->peer())); !st.ok()) {
      return st;
    }
    std::string why(peer.status().message());
    if (std::optional<uint64_t> held =
            refusals_.Admit(absl::StrCat(HostOf(ctx->peer()), " ", why),
                            std::chrono::steady_clock::now())) {
      log_->warn("refused peer call from {}: {}{}", ctx->peer(), why,
                 *held == 0 ? std::string(" (logged at most once a minute)")
                            : absl::StrCat(" (", *held, " more such calls in the last minute)"));
    }
    return peer;
  }
  if (absl::Status st = Limit(*peer); !st.ok()) {
    return st;
  }
  return peer;
}

grpc::ServerUnaryReactor* PeerService::GetRoster(grpc::CallbackServerContext* ctx,
                                                 const v1::GetRosterRequest* req,
                                                 v1::GetRosterResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto answer = [this, ctx, req, resp, reactor] {
    absl::StatusOr<std::string> peer = Authorize(ctx);
    if (!peer.ok()) {
      reactor->Finish(ToGrpcStatus(peer.status()));
      return;
    }
    std::shared_ptr<const Roster> roster = roster_.Current();
    resp->set_version(roster->version());
    if (roster->version() > req->known_version()) {
      *resp->mutable_roster() = roster->signed_roster();
    }
    reactor->Finish(grpc::Status::OK);
  };
  if (!req->has_offer() || ctx->auth_context()->FindPropertyValues("x509_pem_cert").empty()) {
    answer();
    return reactor;
  }
  // Offers are verified before the caller is known: limited per host.
  if (absl::Status st = Limit("roster offers from " + HostOf(ctx->peer())); !st.ok()) {
    reactor->Finish(ToGrpcStatus(st));
    return reactor;
  }
  // Signed by the network admin or refused: safe to take from any caller the
  // network CA vouched for, before knowing whether the roster we hold lists
  // them (a member enrolled after this node started introduces itself so).
  // Verified and persisted on the roster keeper's thread; the answer follows.
  roster_.OfferAsync(req->offer(), [this, ctx, answer](absl::StatusOr<bool> adopted) {
    if (!adopted.ok()) {
      log_->warn("peer {} offered a roster this node refuses: {}", ctx->peer(),
                 std::string(adopted.status().message()));
    }
    answer();
  });
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
  std::map<std::string, uint64_t> heads = ServedHeads(model_, *roster_.Current());
  if (!req->heads_sha256().empty()) {
    if (HeadsSha256(heads) == req->heads_sha256()) {
      resp->set_in_sync(true);
    } else {
      resp->mutable_heads()->insert(heads.begin(), heads.end());
    }
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::map<std::string, uint64_t> have(req->have().begin(), req->have().end());
  if (req->listed_only()) {
    std::erase_if(heads, [&](const auto& entry) { return !have.contains(entry.first); });
  }
  reader_.Pull(std::move(have), std::move(heads), req->max_records(),
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
    return new RefusedStream<v1::SyncEvent>(peer.status());
  }
  // The first event carries the digest of this node's heads; each poke after
  // it, the heads that moved since the last event (none moved: no event).
  // A burst of commits is one event.
  auto sent = std::make_shared<std::optional<std::map<std::string, uint64_t>>>();
  auto last_roster = std::make_shared<uint64_t>(0);
  auto next = [this, sent, last_roster](bool poked) -> std::optional<v1::SyncEvent> {
    if (!poked) {
      return std::nullopt;
    }
    std::shared_ptr<const Roster> roster = roster_.Current();
    std::map<std::string, uint64_t> heads = ServedHeads(model_, *roster);
    v1::SyncEvent event;
    event.set_roster_version(roster->version());
    if (sent->has_value()) {
      for (const auto& [origin, seq] : heads) {
        auto before = (*sent)->find(origin);
        if (before == (*sent)->end() || before->second != seq) {
          (*event.mutable_heads())[origin] = seq;
        }
      }
      if (event.heads().empty() && roster->version() == *last_roster) {
        return std::nullopt;
      }
    }
    event.set_heads_sha256(HeadsSha256(heads));
    *sent = std::move(heads);
    *last_roster = roster->version();
    return event;
  };
  // The stream ends once its caller is no longer an active member presenting
  // its enrolled certificate.
  auto still_member = [auth = ctx->auth_context()](const Roster& roster) {
    return AuthorizePeer(*auth, roster).status();
  };
  return new FeedStream<v1::SyncEvent>(feed_, std::move(next), /*finish_when_idle=*/false,
                                       std::move(still_member), roster_.Current().get());
}

}  // namespace authnet
