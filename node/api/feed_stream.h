#pragma once

#include <grpcpp/support/server_callback.h>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "node/api/grpc_status.h"
#include "node/bundle/roster.h"
#include "node/sync/sync_feed.h"

namespace authnet {

// FeedStream is a server-streaming call fed by a SyncFeed: each poke asks
// `next` for what to write, one message at a time, never blocking inside a
// reaction. Its state lives in a shared Handle the feed holds; the reactor
// deletes itself in OnDone after detaching the handle, so a late poke finds
// no stream and does nothing.
//
//  - next(poked) is called (under the handle's lock) when a write may start:
//    after a poke and after each completed write; `poked` says whether a
//    poke came since the last call. nullopt means nothing to write now.
//  - finish_when_idle: end the call with OK once next has nothing.
//  - on_roster (optional) vets the caller against each adopted roster and
//    the current one at start; an error ends the call with that status.
template <typename Msg>
class FeedStream final : public grpc::ServerWriteReactor<Msg> {
 public:
  using Next = std::function<std::optional<Msg>(bool poked)>;
  using Vet = std::function<absl::Status(const Roster&)>;

  FeedStream(SyncFeed& feed, Next next, bool finish_when_idle, Vet on_roster,
             const Roster* current)
      : feed_(feed),
        handle_(std::make_shared<Handle>(this, std::move(next), finish_when_idle,
                                         std::move(on_roster))) {
    feed_.Add(handle_);
    // A roster adopted between the caller's authorization and joining the
    // feed would have missed this stream: check again now that it is in.
    if (current != nullptr) {
      handle_->OnRoster(*current);
    }
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
  class Handle final : public SyncFeed::Subscriber {
   public:
    Handle(FeedStream* stream, Next next, bool finish_when_idle, Vet on_roster)
        : stream_(stream),
          next_(std::move(next)),
          finish_when_idle_(finish_when_idle),
          on_roster_(std::move(on_roster)) {}

    void Poke() override {
      absl::MutexLock lock(&mu_);
      poked_ = true;
      if (stream_ != nullptr && !finished_ && !writing_) {
        WriteNextLocked();
      }
    }

    void OnRoster(const Roster& roster) override {
      if (!on_roster_) {
        return;
      }
      if (absl::Status st = on_roster_(roster); !st.ok()) {
        Finish(ToGrpcStatus(st));
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
      if (finished_) {
        return;
      }
      if (!ok) {
        finished_ = true;
        stream_->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream write failed"));
        return;
      }
      WriteNextLocked();
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
    void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      std::optional<Msg> msg = next_(std::exchange(poked_, false));
      if (msg) {
        msg_ = *std::move(msg);
        writing_ = true;
        stream_->StartWrite(&msg_);
      } else if (finish_when_idle_) {
        finished_ = true;
        stream_->Finish(grpc::Status::OK);
      }
    }

    absl::Mutex mu_;
    FeedStream* stream_ ABSL_GUARDED_BY(mu_);
    const Next next_;
    const bool finish_when_idle_;
    const Vet on_roster_;
    Msg msg_ ABSL_GUARDED_BY(mu_);
    bool writing_ ABSL_GUARDED_BY(mu_) = false;
    bool poked_ ABSL_GUARDED_BY(mu_) = false;
    bool finished_ ABSL_GUARDED_BY(mu_) = false;
    std::optional<grpc::Status> finish_pending_ ABSL_GUARDED_BY(mu_);
  };

  SyncFeed& feed_;
  std::shared_ptr<Handle> handle_;
};

// RefusedStream ends a server-streaming call at once with `st`.
template <typename Msg>
class RefusedStream final : public grpc::ServerWriteReactor<Msg> {
 public:
  explicit RefusedStream(const absl::Status& st) { this->Finish(ToGrpcStatus(st)); }
  void OnDone() override { delete this; }
};

}  // namespace authnet
