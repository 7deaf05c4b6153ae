#include "node/store/log_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

// Most queued Pull requests; more are answered RESOURCE_EXHAUSTED.
constexpr size_t kMaxQueued = 1024;
// Most records one Pull response carries, whatever the caller asks.
constexpr uint32_t kMaxPullRecords = 16'384;

}  // namespace

absl::StatusOr<std::unique_ptr<LogReader>> LogReader::Open(LogStore& store, size_t max_bytes) {
  absl::StatusOr<std::unique_ptr<BatchReader>> db = store.OpenReader();
  if (!db.ok()) {
    return db.status();
  }
  return std::unique_ptr<LogReader>(new LogReader(*std::move(db), max_bytes));
}

LogReader::LogReader(std::unique_ptr<BatchReader> db, size_t max_bytes)
    : db_(std::move(db)), max_bytes_(max_bytes) {
  thread_ = std::thread([this] { Run(); });
}

LogReader::~LogReader() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void LogReader::Pull(std::map<std::string, uint64_t> have, std::map<std::string, uint64_t> heads,
                     uint32_t max_records,
                     absl::AnyInvocable<void(absl::StatusOr<PullResult>) &&> done) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    std::move(done)(absl::UnavailableError("node is shutting down"));
    return;
  }
  if (queue_.size() >= kMaxQueued) {
    std::move(done)(absl::ResourceExhaustedError("too many pulls waiting; retry later"));
    return;
  }
  queue_.push_back({std::move(have), std::move(heads), max_records, std::move(done)});
}

void LogReader::Run() {
  while (true) {
    Request request;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](LogReader* self)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->stopping_ || !self->queue_.empty(); },
          this));
      if (queue_.empty()) {
        return;
      }
      request = std::move(queue_.front());
      queue_.pop_front();
      if (stopping_) {
        std::move(request.done)(absl::UnavailableError("node is shutting down"));
        continue;
      }
    }
    absl::StatusOr<PullResult> result = Read(request);
    std::move(request.done)(std::move(result));
  }
}

absl::StatusOr<PullResult> LogReader::Read(const Request& request) {
  uint32_t limit =
      request.max_records == 0 ? kMaxPullRecords : std::min(request.max_records, kMaxPullRecords);
  PullResult result;
  uint64_t records = 0;
  size_t bytes = 0;
  for (const auto& [origin, head] : request.heads) {
    auto it = request.have.find(origin);
    uint64_t have = it == request.have.end() ? 0 : it->second;
    if (head <= have) {
      continue;
    }
    if (records >= limit || result.more) {
      result.more = true;
      break;
    }
    // Every batch holds at least one record: `limit` batches are enough,
    // and one more tells whether there is more.
    absl::Status st = db_->ReadBeyond(origin, have, limit + 1, [&](StoredBatch&& b) {
      if (b.last_seq > head) {
        return false;  // committed after the caller's snapshot of heads: next round
      }
      // Framing of a batch in the response: well under 32 bytes.
      size_t size = b.batch.body().size() + b.batch.signature().size() + 32;
      if (records >= limit || (!result.batches.empty() && bytes + size > max_bytes_)) {
        result.more = true;
        return false;
      }
      records += b.last_seq - b.first_seq + 1;
      bytes += size;
      result.batches.push_back(std::move(b.batch));
      return true;
    });
    if (!st.ok()) {
      return st;
    }
  }
  return result;
}

}  // namespace authnet
