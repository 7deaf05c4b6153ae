#include "node/write/group_commit_queue.h"

#include "absl/strings/str_cat.h"

namespace authnet {

GroupCommitQueue::GroupCommitQueue(size_t max_queued, size_t max_group_records)
    : max_queued_(max_queued), max_group_records_(max_group_records) {
  answerer_ = std::thread([this] { RunAnswers(); });
}

GroupCommitQueue::~GroupCommitQueue() {
  Stop();
  FinishAnswers();
}

void GroupCommitQueue::Push(PendingWrite write) {
  using Kind = PendingWrite::Kind;
  absl::MutexLock lock(&mu_);
  absl::Status refused;
  if (stopping_) {
    refused = absl::UnavailableError("node is shutting down; retry on another node or later");
  } else if (queue_.size() >= max_queued_ && write.kind != Kind::kMeta) {
    // (A meta write is rare and small, and must not be lost to a full queue.)
    refused = absl::ResourceExhaustedError(
        absl::StrCat("write queue is full (", max_queued_, " waiting); retry with backoff"));
  } else if (write.kind == Kind::kProbe && probe_queued_) {
    return;  // one probe at a time is enough
  }
  if (refused.ok()) {
    probe_queued_ |= write.kind == Kind::kProbe;
    queue_.push_back(std::move(write));
  } else if (write.kind == Kind::kIngest) {
    std::move(write.ingest_done)(refused);
  } else if (write.done) {
    std::move(write.done)(refused);
  }
  // A refused probe or meta write is dropped: the next start writes the
  // meta value again from the roster held, and a probe comes again.
}

bool GroupCommitQueue::ProbeQueued() const {
  absl::MutexLock lock(&mu_);
  return probe_queued_;
}

std::optional<WriteGroup> GroupCommitQueue::Next() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](GroupCommitQueue* self)
           ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->stopping_ || !self->queue_.empty(); },
      this));
  if (queue_.empty()) {
    return std::nullopt;  // stopping and drained
  }
  WriteGroup group;
  size_t records = 0;
  while (!queue_.empty() && (group.writes.empty() || records < max_group_records_)) {
    PendingWrite& w = queue_.front();
    if (w.kind == PendingWrite::Kind::kMeta) {
      group.metas.push_back(std::move(w));
    } else {
      probe_queued_ &= w.kind != PendingWrite::Kind::kProbe;
      records += w.Records();
      group.writes.push_back(std::move(w));
    }
    queue_.pop_front();
  }
  return group;
}

void GroupCommitQueue::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

void GroupCommitQueue::Answer(absl::AnyInvocable<void() &&> answer) {
  absl::MutexLock lock(&answer_mu_);
  answers_.push_back(std::move(answer));
}

void GroupCommitQueue::FinishAnswers() {
  {
    absl::MutexLock lock(&answer_mu_);
    answers_done_ = true;
  }
  if (answerer_.joinable()) {
    answerer_.join();
  }
}

void GroupCommitQueue::RunAnswers() {
  while (true) {
    absl::AnyInvocable<void() &&> next;
    {
      absl::MutexLock lock(&answer_mu_);
      answer_mu_.Await(absl::Condition(
          +[](GroupCommitQueue* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return self->answers_done_ || !self->answers_.empty();
          },
          this));
      if (answers_.empty()) {
        return;  // the writer has stopped and every answer went out
      }
      next = std::move(answers_.front());
      answers_.pop_front();
    }
    std::move(next)();
  }
}

}  // namespace authnet
