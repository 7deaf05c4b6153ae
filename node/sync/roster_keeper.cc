#include "node/sync/roster_keeper.h"

#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "node/bundle/file_names.h"
#include "node/bundle/secure_file.h"

namespace authnet {
namespace {

namespace fs = std::filesystem;

constexpr char kChainPrefix[] = "roster-chain-";
constexpr char kChainSuffix[] = ".pb";

// ChainFile is where a roster that changed the admin set is kept: a node
// restarting verifies its stored roster through them from its bundle's
// admin set.
fs::path ChainFile(const fs::path& data_dir, uint64_t version) {
  return data_dir / absl::StrCat(kChainPrefix, version, kChainSuffix);
}

// TrustedAdmins walks the stored admin-set changes after the bundle's
// roster, each verified by the set before it, and returns the admin set a
// roster from DATA_DIR must satisfy.
AdminSet TrustedAdmins(const Roster& bundle_roster, const fs::path& data_dir) {
  std::map<uint64_t, fs::path> chain = NumberedFiles(data_dir, kChainPrefix, kChainSuffix);
  AdminSet trusted = bundle_roster.admins();
  for (const auto& [version, path] : chain) {
    absl::StatusOr<std::string> bytes = ReadFile(path);
    v1::SignedRoster link;
    if (version <= bundle_roster.version() || !bytes.ok() || !link.ParseFromString(*bytes)) {
      continue;
    }
    if (absl::StatusOr<Roster> r = Roster::Verify(link, trusted, bundle_roster.network()); r.ok()) {
      trusted = r->admins();
    }
  }
  return trusted;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RosterKeeper>> RosterKeeper::Create(
    const Roster& bundle_roster, std::filesystem::path data_dir, uint64_t floor,
    std::shared_ptr<spdlog::logger> log, Validator validator) {
  auto roster = std::make_shared<const Roster>(bundle_roster);
  std::filesystem::path path = data_dir / kRosterFile;
  absl::StatusOr<std::string> stored = ReadFile(path);
  if (stored.ok()) {
    v1::SignedRoster signed_roster;
    if (!signed_roster.ParseFromString(*stored)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path.string(),
                       " is not a signed roster; restore it or delete it to start from the "
                       "bundle's roster"));
    }
    // Adopted before, so signed by the bundle's admin set or by one it
    // handed over to (kept as roster-chain-V.pb): anything else in the data
    // directory is refused.
    absl::StatusOr<Roster> adopted = Roster::Verify(
        signed_roster, TrustedAdmins(bundle_roster, data_dir), bundle_roster.network());
    if (!adopted.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(path.string(), ": ", adopted.status().message(),
                       "; restore it or delete it to start from the bundle's roster"));
    }
    if (adopted->version() > roster->version()) {
      roster = std::make_shared<const Roster>(*std::move(adopted));
    }
  } else if (!absl::IsNotFound(stored.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("reading ", path.string(), ": ", stored.status().message()));
  }
  if (roster->version() < floor) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this node adopted roster version ", floor, " before, but ", path.string(),
        stored.ok() ? " is older" : " is missing", " and the bundle's roster is version ",
        bundle_roster.version(),
        ": going back to an older roster could re-admit a revoked member. Restore ", path.string(),
        " from a backup, or copy the network's current roster (ADMIN_DIR/", kRosterFile,
        ", from a network admin) there"));
  }
  return std::unique_ptr<RosterKeeper>(new RosterKeeper(std::move(roster), std::move(data_dir),
                                                        std::move(log), std::move(validator)));
}

std::shared_ptr<const Roster> RosterKeeper::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::StatusOr<bool> RosterKeeper::Offer(const v1::SignedRoster& signed_roster) {
  std::shared_ptr<const Roster> current = Current();
  absl::StatusOr<Roster> offered =
      Roster::Verify(signed_roster, current->admins(), current->network());
  if (!offered.ok()) {
    // An older roster signed by an admin set since replaced is not an
    // attack, just old: nothing to adopt either way.
    v1::RosterBody claimed;
    if (claimed.ParseFromString(signed_roster.body()) && claimed.version() < current->version()) {
      return false;
    }
    return absl::InvalidArgumentError(offered.status().message());
  }
  absl::MutexLock offer_lock(&offer_mu_);
  if (std::shared_ptr<const Roster> now = Current(); now != current) {
    // Adopted another meanwhile: verify again under the admin set in force.
    current = now;
    offered = Roster::Verify(signed_roster, current->admins(), current->network());
    if (!offered.ok()) {
      return absl::InvalidArgumentError(offered.status().message());
    }
  }
  if (offered->version() <= current->version()) {
    return false;
  }
  if (validator_) {
    if (absl::Status st = validator_(*offered); !st.ok()) {
      return absl::InvalidArgumentError(st.message());
    }
  }
  const std::string bytes = offered->signed_roster().SerializeAsString();
  if (offered->admins() != current->admins()) {
    // The link a restart verifies later rosters through; written first.
    if (absl::Status st =
            WriteFileAtomically(ChainFile(data_dir_, offered->version()), bytes, kSecretFileMode);
        !st.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot persist roster version ", offered->version(), ": ", st.message()));
    }
  }
  if (absl::Status st = WriteFileAtomically(data_dir_ / kRosterFile, bytes, kSecretFileMode);
      !st.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot persist roster version ", offered->version(), ": ", st.message()));
  }
  auto next = std::make_shared<const Roster>(*std::move(offered));
  {
    absl::MutexLock lock(&mu_);
    current_ = next;
  }
  log_->info("adopted roster version {} (was {})", next->version(), current->version());
  for (const Listener& listener : listeners_) {
    listener(next);
  }
  return true;
}

namespace {
constexpr size_t kMaxQueuedOffers = 16;
}  // namespace

RosterKeeper::~RosterKeeper() { Stop(); }

void RosterKeeper::Stop() {
  {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  offers_thread_.join();
}

void RosterKeeper::OfferAsync(v1::SignedRoster signed_roster,
                              std::function<void(absl::StatusOr<bool>)> done) {
  bool stopping = false;
  {
    absl::MutexLock lock(&queue_mu_);
    stopping = stopping_;
    if (!stopping && queue_.size() < kMaxQueuedOffers) {
      queue_.push_back({std::move(signed_roster), std::move(done)});
      return;
    }
  }
  done(stopping
           ? absl::UnavailableError("roster: the node is shutting down; offer it again later")
           : absl::ResourceExhaustedError(
                 "roster: too many roster offers waiting to be verified; offer it again later"));
}

void RosterKeeper::RunOffers() {
  while (true) {
    PendingOffer next;
    bool stopping = false;
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(absl::Condition(
          +[](RosterKeeper* self)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->stopping_ || !self->queue_.empty(); },
          this));
      if (queue_.empty()) {
        return;  // stopping, and every offer answered
      }
      next = std::move(queue_.front());
      queue_.pop_front();
      stopping = stopping_;
    }
    // Once stopping, offers are answered but not adopted: the listeners
    // reach parts of the node that are going away.
    next.done(stopping ? absl::StatusOr<bool>(absl::UnavailableError(
                             "roster: the node is shutting down; offer it again later"))
                       : Offer(next.roster));
  }
}

void RosterKeeper::AddListener(Listener listener) {
  absl::MutexLock offer_lock(&offer_mu_);
  listeners_.push_back(std::move(listener));
}

}  // namespace authnet
