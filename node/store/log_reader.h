#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "authnet/v1/records.pb.h"
#include "node/store/log_store.h"

namespace authnet {

// PullResult is what a Pull found to send.
struct PullResult {
  std::vector<v1::SignedBatch> batches;
  bool more = false;  // stopped at the record or byte limit with more to send
};

// LogReader serves peers' Pull requests from the store on its own thread and
// its own connection (LogStore::OpenReader; SQLite's WAL lets it read while
// the writer commits), so gRPC reactions never wait on disk. Thread-safe.
class LogReader {
 public:
  // Open opens a reader on `store`. A Pull response carries at most `max_bytes` of batches (at
  // least one batch), so it fits the peer listener's message limit.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogReader>> Open(LogStore& store,
                                                                       size_t max_bytes);
  // The destructor answers queued requests UNAVAILABLE and joins the thread.
  ~LogReader();

  // Pull collects, on the reader thread, the batches of every origin in
  // `heads` (origin -> highest seq this node holds) beyond `have` (origin ->
  // highest seq the caller holds), at most about `max_records` records, and
  // passes them to `done` on the reader thread.
  void Pull(std::map<std::string, uint64_t> have, std::map<std::string, uint64_t> heads,
            uint32_t max_records, absl::AnyInvocable<void(absl::StatusOr<PullResult>) &&> done)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Request {
    std::map<std::string, uint64_t> have;
    std::map<std::string, uint64_t> heads;
    uint32_t max_records;
    absl::AnyInvocable<void(absl::StatusOr<PullResult>) &&> done;
  };

  LogReader(std::unique_ptr<BatchReader> db, size_t max_bytes);
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<PullResult> Read(const Request& request);

  std::unique_ptr<BatchReader> db_;  // reader thread only
  const size_t max_bytes_;
  absl::Mutex mu_;
  std::deque<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace authnet
