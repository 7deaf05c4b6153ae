#include "node/write/group_commit_queue.h"

#include <gtest/gtest.h>

#include <future>

namespace authnet {
namespace {

PendingWrite Report(size_t records, std::function<void(absl::StatusOr<WriteResult>)> done = {}) {
  PendingWrite w;
  w.records.resize(records);
  w.done = [done = std::move(done)](absl::StatusOr<WriteResult> r) {
    if (done) {
      done(std::move(r));
    }
  };
  return w;
}

TEST(GroupCommitQueueTest, GroupsWhatIsQueuedUpToTheRecordBoundAndKeepsMetasApart) {
  GroupCommitQueue q(100, 5);
  q.Push(Report(3));
  PendingWrite meta;
  meta.kind = PendingWrite::Kind::kMeta;
  q.Push(std::move(meta));
  q.Push(Report(3));
  q.Push(Report(1));
  auto first = q.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->writes.size(), 2u) << "3 + 3 records reach the bound of 5";
  EXPECT_EQ(first->metas.size(), 1u);
  auto second = q.Next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->writes.size(), 1u);
  q.Stop();
  EXPECT_FALSE(q.Next().has_value()) << "stopped and drained";
}

TEST(GroupCommitQueueTest, RefusesWhenFullOrStoppingAndKeepsOneProbe) {
  GroupCommitQueue q(1, 10);
  q.Push(Report(1));
  std::promise<absl::StatusOr<WriteResult>> full;
  q.Push(Report(1, [&](absl::StatusOr<WriteResult> r) { full.set_value(std::move(r)); }));
  EXPECT_EQ(full.get_future().get().status().code(), absl::StatusCode::kResourceExhausted);
  (void)q.Next();
  PendingWrite probe;
  probe.kind = PendingWrite::Kind::kProbe;
  q.Push(std::move(probe));
  PendingWrite again;
  again.kind = PendingWrite::Kind::kProbe;
  q.Push(std::move(again));
  EXPECT_TRUE(q.ProbeQueued());
  auto group = q.Next();
  ASSERT_TRUE(group.has_value());
  EXPECT_EQ(group->writes.size(), 1u) << "a second probe while one waits is dropped";
  EXPECT_FALSE(q.ProbeQueued());
  q.Stop();
  std::promise<absl::StatusOr<WriteResult>> late;
  q.Push(Report(1, [&](absl::StatusOr<WriteResult> r) { late.set_value(std::move(r)); }));
  EXPECT_EQ(late.get_future().get().status().code(), absl::StatusCode::kUnavailable);
}

TEST(GroupCommitQueueTest, AnswersRunInOrderOnTheAnsweringThread) {
  GroupCommitQueue q(10, 10);
  std::vector<int> order;
  std::promise<void> done;
  for (int i = 0; i < 5; ++i) {
    q.Answer([&, i] {
      order.push_back(i);
      if (i == 4) {
        done.set_value();
      }
    });
  }
  done.get_future().wait();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace authnet
