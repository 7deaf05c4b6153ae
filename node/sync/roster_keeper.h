#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "node/bundle/roster.h"
#include "spdlog/logger.h"

namespace authnet {

// RosterKeeper holds the roster a node goes by. It starts from the newer of
// the bundle's roster and the one last adopted (DATA_DIR/roster.pb), and
// adopts a roster offered later (by `authnetctl roster push` or a peer) only
// when its admin signature is valid and its version is higher; it persists
// it before anyone sees it. Thread-safe.
class RosterKeeper {
 public:
  // Listener runs on the adopting thread after each adoption, in the order
  // listeners were added. It must not call Offer.
  using Listener = std::function<void(const std::shared_ptr<const Roster>&)>;

  // Create reads DATA_DIR/roster.pb if present; a damaged or foreign one is
  // FAILED_PRECONDITION (restore it or delete it to fall back to the bundle's).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RosterKeeper>> Create(
      const Roster& bundle_roster, std::string admin_public_key, std::filesystem::path data_dir,
      std::shared_ptr<spdlog::logger> log);

  // Current returns the roster in force.
  std::shared_ptr<const Roster> Current() const ABSL_LOCKS_EXCLUDED(mu_);

  // Offer verifies `signed_roster` and adopts it if newer. Returns true when
  // adopted, false when this node already holds that version or a newer one;
  // INVALID_ARGUMENT for a bad signature or another network's roster;
  // UNAVAILABLE if it cannot be persisted (then nothing changes).
  [[nodiscard]] absl::StatusOr<bool> Offer(const v1::SignedRoster& signed_roster)
      ABSL_LOCKS_EXCLUDED(mu_, offer_mu_);

  void AddListener(Listener listener) ABSL_LOCKS_EXCLUDED(mu_, offer_mu_);

 private:
  RosterKeeper(std::shared_ptr<const Roster> roster, std::string admin_public_key,
               std::filesystem::path data_dir, std::shared_ptr<spdlog::logger> log)
      : admin_public_key_(std::move(admin_public_key)),
        data_dir_(std::move(data_dir)),
        log_(std::move(log)),
        current_(std::move(roster)) {}

  const std::string admin_public_key_;
  const std::filesystem::path data_dir_;
  std::shared_ptr<spdlog::logger> log_;

  absl::Mutex offer_mu_;  // serializes adoptions and listener calls
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(offer_mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const Roster> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authnet
