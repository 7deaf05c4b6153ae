#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
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
// it before anyone sees it. A gRPC reaction hands an offer to OfferAsync,
// which verifies, persists and tells listeners on the keeper's own thread.
// Thread-safe; the destructor stops that thread.
class RosterKeeper {
 public:
  // Listener runs on the adopting thread after each adoption, in the order
  // listeners were added. It must not call Offer.
  using Listener = std::function<void(const std::shared_ptr<const Roster>&)>;
  // Validator vets a verified, newer roster before adoption (this node's own
  // entry: its network keys must open); an error refuses the roster.
  using Validator = std::function<absl::Status(const Roster&)>;

  // Create reads DATA_DIR/roster.pb if present: it must carry the signatures
  // of the bundle roster's admin set, or of the set the admin-set changes
  // this node adopted (DATA_DIR/roster-chain-V.pb, each verified by the one
  // before) handed over to. A damaged or foreign one is FAILED_PRECONDITION
  // (restore it or delete it to fall back to the bundle's).
  // `floor` is the highest roster version this node adopted before (kept in
  // its store): starting from an older roster — DATA_DIR/roster.pb lost and
  // an older one in the bundle — is FAILED_PRECONDITION saying how to get
  // the current one, since an older roster may still list a revoked member.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RosterKeeper>> Create(
      const Roster& bundle_roster, std::filesystem::path data_dir, uint64_t floor,
      std::shared_ptr<spdlog::logger> log, Validator validator = nullptr);

  // Current returns the roster in force.
  std::shared_ptr<const Roster> Current() const ABSL_LOCKS_EXCLUDED(mu_);

  // Offer verifies `signed_roster` against the admin set of the roster in
  // force (Roster::Verify: its threshold of signatures, and the new set's
  // own if it changes the set) and adopts it if newer and the validator
  // agrees. Returns true when adopted, false when this node already holds
  // that version or a newer one; INVALID_ARGUMENT for too few signatures,
  // another network's roster or one the validator refuses; UNAVAILABLE if
  // it cannot be persisted (then nothing changes).
  [[nodiscard]] absl::StatusOr<bool> Offer(const v1::SignedRoster& signed_roster)
      ABSL_LOCKS_EXCLUDED(mu_, offer_mu_);

  // OfferAsync is Offer run on the keeper's own thread, so that a gRPC
  // reaction never verifies, fsyncs or runs listeners itself; `done` gets
  // Offer's answer on that thread. At most 16 offers wait: one more is
  // answered RESOURCE_EXHAUSTED at once, on the caller's thread.
  void OfferAsync(v1::SignedRoster signed_roster, std::function<void(absl::StatusOr<bool>)> done)
      ABSL_LOCKS_EXCLUDED(queue_mu_);

  void AddListener(Listener listener) ABSL_LOCKS_EXCLUDED(mu_, offer_mu_);

  // Stop answers the offers still waiting UNAVAILABLE, without adopting
  // them, and stops the keeper's thread; later OfferAsync calls are
  // answered at once. The node calls it before tearing down what the
  // listeners reach. Idempotent; the destructor calls it.
  void Stop() ABSL_LOCKS_EXCLUDED(queue_mu_);

  ~RosterKeeper();

 private:
  struct PendingOffer {
    v1::SignedRoster roster;
    std::function<void(absl::StatusOr<bool>)> done;
  };
  void RunOffers() ABSL_LOCKS_EXCLUDED(queue_mu_);

  RosterKeeper(std::shared_ptr<const Roster> roster, std::filesystem::path data_dir,
               std::shared_ptr<spdlog::logger> log, Validator validator)
      : data_dir_(std::move(data_dir)),
        log_(std::move(log)),
        validator_(std::move(validator)),
        current_(std::move(roster)) {
    offers_thread_ = std::thread([this] { RunOffers(); });
  }

  const std::filesystem::path data_dir_;
  std::shared_ptr<spdlog::logger> log_;
  const Validator validator_;

  absl::Mutex offer_mu_;  // serializes adoptions and listener calls
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(offer_mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const Roster> current_ ABSL_GUARDED_BY(mu_);

  absl::Mutex queue_mu_;
  std::deque<PendingOffer> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread offers_thread_;
};

}  // namespace authnet
