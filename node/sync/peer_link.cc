#include "node/sync/peer_link.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <future>
#include <random>

#include "absl/strings/str_cat.h"
#include "node/batch/batch_verifier.h"
#include "node/batch/lifecycle_rules.h"
#include "node/sync/sync_feed.h"

namespace authnet {
namespace {

absl::Status FromGrpc(const grpc::Status& st) {
  if (st.ok()) {
    return absl::OkStatus();
  }
  return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
}

}  // namespace

PeerLink::PeerLink(std::string address, std::string self, TlsIdentity tls, RosterKeeper& roster,
                   const Model& model, ReportWriter& writer, PeerLinkOptions options,
                   std::shared_ptr<spdlog::logger> log)
    : address_(std::move(address)),
      self_(std::move(self)),
      tls_(std::move(tls)),
      roster_(roster),
      model_(model),
      writer_(writer),
      options_(options),
      log_(std::move(log)) {}

PeerLink::~PeerLink() { Stop(); }

void PeerLink::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PeerLink::CancelCallsLocked() {
  for (grpc::ClientContext* ctx : active_) {
    ctx->TryCancel();
  }
}

void PeerLink::RequestStop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  CancelCallsLocked();
}

void PeerLink::Stop() {
  RequestStop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void PeerLink::Reconnect() {
  absl::MutexLock lock(&mu_);
  reconnect_ = true;
  CancelCallsLocked();
}

std::string PeerLink::member() const {
  absl::MutexLock lock(&mu_);
  return member_;
}

std::string PeerLink::Describe() const {
  std::string m = member();
  return m.empty() ? absl::StrCat("peer at ", address_)
                   : absl::StrCat("peer ", m, " at ", address_);
}

void PeerLink::SetMember(std::string member) {
  absl::MutexLock lock(&mu_);
  member_ = std::move(member);
}

bool PeerLink::BeginCall(grpc::ClientContext* ctx, std::chrono::milliseconds timeout) {
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  absl::MutexLock lock(&mu_);
  if (stopping_ || reconnect_) {
    return false;
  }
  active_.insert(ctx);
  return true;
}

void PeerLink::EndCall(grpc::ClientContext* ctx) {
  absl::MutexLock lock(&mu_);
  active_.erase(ctx);
}

void PeerLink::Run() {
  std::mt19937_64 rng(std::random_device{}());
  std::chrono::milliseconds backoff = options_.min_backoff;
  bool reported_down = false;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        break;
      }
      reconnect_ = false;
    }
    absl::Status st = Session();
    bool was_connected = connected_.exchange(false);
    bool reconnecting;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        break;
      }
      reconnecting = reconnect_;
    }
    if (was_connected) {
      backoff = options_.min_backoff;
    }
    if (st.ok() || reconnecting) {
      continue;  // a periodic re-sync or a roster change: dial again at once
    }
    if (was_connected) {
      log_->warn("disconnected from {}: {}; reconnecting with backoff", Describe(),
                 std::string(st.message()));
      reported_down = true;
    } else if (!reported_down) {
      log_->warn("{} unreachable: {}; retrying with backoff", Describe(),
                 std::string(st.message()));
      reported_down = true;
    }
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    auto wait = std::chrono::milliseconds(static_cast<int64_t>(backoff.count() * jitter(rng)));
    backoff = std::min(options_.max_backoff, backoff * 2);
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(wait));
  }
  connected_ = false;
}

absl::Status PeerLink::Session() {
  std::shared_ptr<grpc::Channel> channel = Dial();
  std::unique_ptr<v1::PeerService::Stub> stub = v1::PeerService::NewStub(channel);
  // Handshake first, so a round measures sync traffic alone. Best effort: if
  // the connection is not up in time, the first call reports why.
  if (!AwaitHandshake(*channel)) {
    return absl::CancelledError("stopping");
  }

  // Rosters first: a member enrolled after the peer started introduces
  // itself here, before the peer would refuse its calls.
  SyncRoundStats stats;
  if (absl::Status st = SyncRoster(*stub, /*offer=*/true, &stats); !st.ok()) {
    return st;
  }
  stats = SyncRoundStats();
  if (options_.on_round_start) {
    options_.on_round_start();
  }
  while (true) {
    grpc::ClientContext ctx;
    if (!BeginCall(&ctx, options_.resync_period)) {
      return absl::CancelledError("stopping");
    }
    std::unique_ptr<grpc::ClientReader<v1::SyncEvent>> stream =
        stub->Subscribe(&ctx, v1::SubscribeRequest());
    ++stats.calls;
    v1::SyncEvent event;
    absl::Status st;
    bool first = true;
    while (stream->Read(&event)) {
      st = OnEvent(*stub, event, first, &stats);
      if (first && st.ok()) {
        first = false;
        if (options_.on_round_end) {
          options_.on_round_end(stats);
        }
        if (!connected_.exchange(true)) {
          log_->info("connected to {}", Describe());
        }
      }
      if (!st.ok()) {
        ctx.TryCancel();
        break;
      }
    }
    grpc::Status finished = stream->Finish();
    EndCall(&ctx);
    if (!st.ok()) {
      return st;
    }
    if (finished.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED || first) {
      return finished.ok() ? absl::OkStatus() : FromGrpc(finished);
    }
    // Time for the periodic re-check, on the same connection.
    stats = SyncRoundStats();
    if (options_.on_round_start) {
      options_.on_round_start();
    }
  }
}

absl::Status PeerLink::SyncRoster(v1::PeerService::Stub& stub, bool offer, SyncRoundStats* stats) {
  grpc::ClientContext ctx;
  if (!BeginCall(&ctx, options_.call_timeout)) {
    return absl::CancelledError("stopping");
  }
  v1::GetRosterRequest req;
  std::shared_ptr<const Roster> mine = roster_.Current();
  req.set_known_version(mine->version());
  if (offer) {
    *req.mutable_offer() = mine->signed_roster();
  }
  v1::GetRosterResponse resp;
  grpc::Status st = stub.GetRoster(&ctx, req, &resp);
  EndCall(&ctx);
  ++stats->calls;
  if (!st.ok()) {
    return FromGrpc(st);
  }
  if (resp.has_roster()) {
    absl::StatusOr<bool> adopted = roster_.Offer(resp.roster());
    if (!adopted.ok()) {
      log_->warn("{} offered a roster this node refuses: {}", Describe(),
                 std::string(adopted.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::Status PeerLink::OnEvent(v1::PeerService::Stub& stub, const v1::SyncEvent& event, bool first,
                               SyncRoundStats* stats) {
  uint64_t mine = roster_.Current()->version();
  if (event.roster_version() != mine) {
    // Newer: fetch it. Older: hand the peer ours.
    if (absl::Status st = SyncRoster(stub, event.roster_version() < mine, stats); !st.ok()) {
      return st;
    }
  }
  if (std::vector<std::string> behind = Behind(event.heads(), /*complete=*/false);
      !behind.empty()) {
    return PullThenTellGate(stub, behind, stats);
  }
  TellGatePending();
  if (first) {
    if (event.heads_sha256() != HeadsSha256(ServedHeads(model_, *roster_.Current()))) {
      return Round(stub, stats);
    }
    {
      absl::MutexLock lock(&mu_);
      peer_heads_.clear();  // the peer holds what we hold
    }
    TellGate(model_.LastSeq(self_));
  }
  return absl::OkStatus();
}

std::vector<std::string> PeerLink::Behind(const google::protobuf::Map<std::string, uint64_t>& heads,
                                          bool complete) {
  std::vector<std::string> out;
  std::shared_ptr<const Roster> roster = roster_.Current();
  absl::MutexLock lock(&mu_);
  if (complete) {
    peer_heads_.clear();
  }
  for (const auto& [origin, seq] : heads) {
    // Only the roster's members: a peer cannot grow this map, or the lag
    // it feeds, with made-up origins.
    if (roster->Find(origin) == nullptr) {
      continue;
    }
    uint64_t& known = peer_heads_[origin];
    known = std::max(known, seq);
    if (seq > model_.LastSeq(origin)) {
      out.push_back(origin);
    }
  }
  auto own = heads.find(self_);
  if (own != heads.end() || complete) {
    // A complete list without this node's origin: the peer holds none of it.
    pending_own_head_ = own != heads.end() ? own->second : 0;
  }
  return out;
}

void PeerLink::TellGate(uint64_t theirs) {
  if (options_.gate != nullptr) {
    options_.gate->PeerHead(Describe(), theirs, model_.LastSeq(self_));
  }
}

void PeerLink::TellGatePending() {
  std::optional<uint64_t> theirs;
  {
    absl::MutexLock lock(&mu_);
    std::swap(theirs, pending_own_head_);
  }
  if (theirs) {
    TellGate(*theirs);
  }
}

uint64_t PeerLink::LagRecords() const {
  uint64_t lag = 0;
  absl::MutexLock lock(&mu_);
  for (const auto& [origin, seq] : peer_heads_) {
    uint64_t mine = model_.LastSeq(origin);
    lag += seq > mine ? seq - mine : 0;
  }
  return lag;
}

absl::Status PeerLink::Pull(v1::PeerService::Stub& stub, const v1::PullRequest& req,
                            v1::PullResponse* resp, SyncRoundStats* stats) {
  grpc::ClientContext ctx;
  if (!BeginCall(&ctx, options_.call_timeout)) {
    return absl::CancelledError("stopping");
  }
  grpc::Status st = stub.Pull(&ctx, req, resp);
  EndCall(&ctx);
  ++stats->calls;
  return FromGrpc(st);
}

absl::Status PeerLink::Round(v1::PeerService::Stub& stub, SyncRoundStats* stats) {
  v1::PullRequest req;
  req.set_heads_sha256(HeadsSha256(ServedHeads(model_, *roster_.Current())));
  v1::PullResponse resp;
  if (absl::Status st = Pull(stub, req, &resp, stats); !st.ok()) {
    return st;
  }
  std::vector<std::string> behind = Behind(resp.heads(), /*complete=*/true);
  return PullThenTellGate(stub, behind, stats);
}

absl::Status PeerLink::PullThenTellGate(v1::PeerService::Stub& stub,
                                        const std::vector<std::string>& behind,
                                        SyncRoundStats* stats) {
  // The gate hears the peer's head for this node's origin before the pull
  // (beyond the log: stop signing first) and after it (adopted: resume).
  TellGatePending();
  if (behind.empty()) {
    return absl::OkStatus();
  }
  absl::Status st = PullListed(stub, behind, stats);
  if (st.ok() && std::find(behind.begin(), behind.end(), self_) != behind.end()) {
    uint64_t theirs;
    {
      absl::MutexLock lock(&mu_);
      theirs = peer_heads_[self_];
    }
    TellGate(theirs);
  }
  return st;
}

std::optional<v1::BatchBody> PeerLink::Admit(const v1::SignedBatch& batch, const Roster& roster) {
  const char* reason = nullptr;
  absl::StatusOr<v1::BatchBody> body = VerifyBatch(batch, roster, model_.Today());
  absl::Status why = body.status();
  if (!body.ok()) {
    reason = absl::IsPermissionDenied(why) ? kBatchRefusedUnverified
             : absl::IsOutOfRange(why)     ? kBatchRefusedOutOfRange
                                           : kBatchRefusedMalformed;
  } else if (options_.keys == nullptr) {
    why = absl::FailedPreconditionError("this link holds no network keys");
    reason = kBatchRefusedKeyEpoch;
  } else if (why = CheckPublisher(*body, roster, *options_.keys->Current()); !why.ok()) {
    // A member publishing what its role does not allow; or a key epoch
    // this node does not hold yet (the batch comes again later).
    reason = absl::IsFailedPrecondition(why) ? kBatchRefusedKeyEpoch : kBatchRefusedRole;
  }
  if (reason == nullptr) {
    return *std::move(body);
  }
  log_->warn("refused a batch from {}: {}", Describe(), std::string(why.message()));
  if (options_.metrics != nullptr) {
    options_.metrics->GetCounter(kBatchesRefused, kBatchesRefusedHelp, {{"reason", reason}})
        .Increment();
  }
  return std::nullopt;
}

absl::Status PeerLink::PullListed(v1::PeerService::Stub& stub,
                                  const std::vector<std::string>& origins, SyncRoundStats* stats) {
  while (true) {
    v1::PullRequest req;
    req.set_listed_only(true);
    for (const std::string& origin : origins) {
      (*req.mutable_have())[origin] = model_.LastSeq(origin);
    }
    v1::PullResponse resp;
    if (absl::Status st = Pull(stub, req, &resp, stats); !st.ok()) {
      return st;
    }
    std::shared_ptr<const Roster> roster = roster_.Current();
    std::vector<VerifiedBatch> verified;
    for (v1::SignedBatch& batch : *resp.mutable_batches()) {
      std::optional<v1::BatchBody> body = Admit(batch, *roster);
      if (!body) {
        continue;
      }
      verified.push_back({std::move(batch), *std::move(body)});
    }
    if (verified.empty()) {
      return absl::OkStatus();
    }
    std::promise<absl::StatusOr<IngestResult>> done;
    writer_.SubmitBatches(std::move(verified), [&done](absl::StatusOr<IngestResult> r) {
      done.set_value(std::move(r));
    });
    absl::StatusOr<IngestResult> result = done.get_future().get();
    if (!result.ok()) {
      return result.status();
    }
    stats->batches += result->stored;
    if (!resp.more() || (result->stored == 0 && result->duplicates == 0)) {
      return absl::OkStatus();  // done, or nothing usable: stop rather than spin
    }
  }
}

}  // namespace authnet
