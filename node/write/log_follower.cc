#include "node/write/log_follower.h"

#include "absl/strings/str_cat.h"
#include "node/batch/batch_signing.h"

namespace authnet {
namespace {

// Batches read and announced at once while catching up.
constexpr uint32_t kChunkBatches = 256;

}  // namespace

absl::StatusOr<std::unique_ptr<LogFollower>> LogFollower::Start(
    LogStore& store, std::string network, Held held, Announce announce, absl::Duration poll,
    std::shared_ptr<spdlog::logger> log) {
  absl::StatusOr<std::unique_ptr<BatchReader>> listener = store.OpenReader();
  if (!listener.ok()) {
    return listener.status();
  }
  absl::StatusOr<std::unique_ptr<BatchReader>> reader = store.OpenReader();
  if (!reader.ok()) {
    return reader.status();
  }
  return std::unique_ptr<LogFollower>(new LogFollower(*std::move(listener), *std::move(reader),
                                                      std::move(network), std::move(held),
                                                      std::move(announce), poll, std::move(log)));
}

LogFollower::LogFollower(std::unique_ptr<BatchReader> listener, std::unique_ptr<BatchReader> reader,
                         std::string network, Held held, Announce announce, absl::Duration poll,
                         std::shared_ptr<spdlog::logger> log)
    : network_(std::move(network)),
      held_(std::move(held)),
      announce_(std::move(announce)),
      poll_(poll),
      log_(std::move(log)),
      listener_(std::move(listener)),
      reader_(std::move(reader)) {
  thread_ = std::thread([this] { Run(); });
}

LogFollower::~LogFollower() { Stop(); }

void LogFollower::Stop() {
  stopping_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
}

void LogFollower::Run() {
  while (!stopping_) {
    absl::StatusOr<bool> announced = listener_->WaitForCommit(poll_);
    if (stopping_) {
      return;
    }
    absl::Status st = announced.ok() ? CatchUp() : announced.status();
    if (st.ok()) {
      st = CheckMeta();
    }
    absl::MutexLock lock(&mu_);
    if (!st.ok() && !failing_) {
      log_->error("cannot follow the store: {}; checks answer from what is held",
                  std::string(st.message()));
    } else if (st.ok() && failing_) {
      log_->info("following the store again");
    }
    failing_ = !st.ok();
  }
}

absl::Status LogFollower::CatchUp() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::map<std::string, uint64_t>> heads = reader_->Heads();
  auto now = std::chrono::steady_clock::now();
  if (!heads.ok()) {
    behind_since_ = behind_since_.value_or(now);
    return heads.status();
  }
  std::map<std::string, uint64_t> held = held_();
  uint64_t behind = 0;
  for (const auto& [origin, head] : *heads) {
    uint64_t have = held[origin];
    behind += head > have ? head - have : 0;
  }
  lag_records_ = behind;
  if (behind == 0) {
    behind_since_.reset();
    return absl::OkStatus();
  }
  behind_since_ = behind_since_.value_or(now);
  for (const auto& [origin, head] : *heads) {
    if (head > held[origin]) {
      if (absl::Status st = ReadOrigin(origin, held[origin], head); !st.ok()) {
        return st;
      }
    }
  }
  lag_records_ = 0;
  behind_since_.reset();
  return absl::OkStatus();
}

absl::Status LogFollower::ReadOrigin(const std::string& origin, uint64_t from, uint64_t to) {
  while (from < to) {
    std::vector<v1::BatchBody> bodies;
    absl::Status parsed;
    absl::Status st = reader_->ReadBeyond(origin, from, kChunkBatches, [&](StoredBatch&& b) {
      parsed = ParseStoredBatch(b, network_, &bodies.emplace_back());
      return parsed.ok();
    });
    if (!st.ok() || !parsed.ok()) {
      return st.ok() ? parsed : st;
    }
    if (bodies.empty()) {
      return absl::DataLossError(
          absl::StrCat("the store's head of ", origin, " is ", to, " but no batch follows ", from));
    }
    from = bodies.back().last_seq();
    announce_(bodies);
  }
  return absl::OkStatus();
}

void LogFollower::WatchMeta(std::string key, std::function<void(const std::string&)> changed) {
  absl::MutexLock lock(&mu_);
  meta_watches_.push_back({std::move(key), std::move(changed), std::nullopt});
}

absl::Status LogFollower::CheckMeta() {
  std::vector<std::pair<std::function<void(const std::string&)>, std::string>> changes;
  {
    absl::MutexLock lock(&mu_);
    for (MetaWatch& watch : meta_watches_) {
      absl::StatusOr<std::optional<std::string>> now = reader_->GetMeta(watch.key);
      if (!now.ok()) {
        return now.status();
      }
      if (!now->has_value() || *now == watch.seen) {
        continue;
      }
      watch.seen = *now;
      changes.emplace_back(watch.changed, **now);
    }
  }
  // Outside the lock: a callback may reach what calls CatchUp.
  for (const auto& [changed, value] : changes) {
    changed(value);
  }
  return absl::OkStatus();
}

LogFollower::Lag LogFollower::lag() const {
  absl::MutexLock lock(&mu_);
  Lag lag;
  lag.records = lag_records_;
  if (behind_since_) {
    lag.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - *behind_since_).count();
  }
  return lag;
}

}  // namespace authnet
