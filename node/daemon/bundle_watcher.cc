#include "node/daemon/bundle_watcher.h"

#include "authnet/v1/records.pb.h"
#include "node/bundle/file_names.h"
#include "node/bundle/secure_file.h"

namespace authnet {

BundleWatcher::BundleWatcher(std::filesystem::path bundle_dir, RosterKeeper& roster,
                             std::chrono::seconds interval, std::shared_ptr<spdlog::logger> log)
    : roster_file_(bundle_dir / kRosterFile),
      roster_(roster),
      interval_(interval),
      log_(std::move(log)) {
  {
    absl::MutexLock lock(&mu_);
    seen_ = FileStamp::Of(roster_file_);  // the roster the node started from
  }
  checker_ = std::make_unique<PeriodicThread>(interval_, [this] { CheckNow(); });
}

BundleWatcher::~BundleWatcher() = default;

void BundleWatcher::CheckNow() {
  FileStamp stamp = FileStamp::Of(roster_file_);
  if (stamp == FileStamp()) {
    return;  // missing (being replaced, or removed): keep the current roster
  }
  {
    absl::MutexLock lock(&mu_);
    if (stamp == seen_) {
      return;
    }
    seen_ = stamp;
  }
  absl::StatusOr<std::string> bytes = ReadFile(roster_file_);
  v1::SignedRoster signed_roster;
  if (!bytes.ok() || !signed_roster.ParseFromString(*bytes)) {
    log_->warn("{} changed but cannot be read as a roster; keeping roster version {}",
               roster_file_.string(), roster_.Current()->version());
    return;
  }
  absl::StatusOr<bool> adopted = roster_.Offer(signed_roster);
  if (!adopted.ok()) {
    log_->warn("{} changed but is refused: {}", roster_file_.string(),
               std::string(adopted.status().message()));
  }
}

}  // namespace authnet
