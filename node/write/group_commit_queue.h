#pragma once

#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "node/write/pending_write.h"

namespace authnet {

// WriteGroup is what the queue hands the writer at once: the writes to
// commit in one transaction, and meta values to store beside them.
struct WriteGroup {
  std::vector<PendingWrite> writes;
  std::vector<PendingWrite> metas;
};

// GroupCommitQueue holds writes until the writer thread takes them as one
// group (everything queued, up to a bound on records), and runs answers on
// an answering thread of its own, in order, so the writer moves on to the
// next group while gRPC's response path runs. Thread-safe.
class GroupCommitQueue {
 public:
  // At most `max_queued` writes wait (more are refused RESOURCE_EXHAUSTED,
  // meta writes excepted); a group holds at most about
  // `max_group_records` records (at least one write).
  GroupCommitQueue(size_t max_queued, size_t max_group_records);
  ~GroupCommitQueue();

  // Push queues `write`, or answers it at once: UNAVAILABLE once stopping,
  // RESOURCE_EXHAUSTED when full. A probe while one waits is dropped.
  void Push(PendingWrite write) ABSL_LOCKS_EXCLUDED(mu_);
  // ProbeQueued: a probe waits in the queue.
  bool ProbeQueued() const ABSL_LOCKS_EXCLUDED(mu_);
  // Next blocks for the next group; nullopt once stopping and drained.
  std::optional<WriteGroup> Next() ABSL_LOCKS_EXCLUDED(mu_);
  // Answer runs `answer` on the answering thread after earlier answers.
  void Answer(absl::AnyInvocable<void() &&> answer) ABSL_LOCKS_EXCLUDED(answer_mu_);
  // Stop refuses new writes; Next drains what is queued. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  // FinishAnswers runs the answers left and joins the answering thread;
  // call after the writer thread stopped. Idempotent.
  void FinishAnswers() ABSL_LOCKS_EXCLUDED(answer_mu_);

 private:
  void RunAnswers() ABSL_LOCKS_EXCLUDED(answer_mu_);

  const size_t max_queued_;
  const size_t max_group_records_;
  mutable absl::Mutex mu_;
  std::deque<PendingWrite> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool probe_queued_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex answer_mu_;
  std::deque<absl::AnyInvocable<void() &&>> answers_ ABSL_GUARDED_BY(answer_mu_);
  bool answers_done_ ABSL_GUARDED_BY(answer_mu_) = false;
  std::thread answerer_;
};

}  // namespace authnet
