#include "node/sync/peer_manager.h"

#include <set>

namespace authnet {

PeerManager::PeerManager(std::vector<std::string> addresses, std::string self, TlsIdentity tls,
                         RosterKeeper& roster, const Model& model, ReportWriter& writer,
                         PeerLinkOptions options, std::shared_ptr<spdlog::logger> log)
    : from_roster_(addresses.empty()),
      self_(std::move(self)),
      tls_(std::move(tls)),
      roster_(roster),
      model_(model),
      writer_(writer),
      options_(options),
      log_(std::move(log)),
      initial_(std::move(addresses)) {}

PeerManager::~PeerManager() { Stop(); }

std::vector<std::string> PeerManager::RosterEndpoints(const Roster& roster) const {
  std::vector<std::string> out;
  for (const v1::RosterMember& m : roster.body().members()) {
    if (m.id() != self_ && m.status() == v1::MEMBER_STATUS_ACTIVE) {
      out.push_back(m.endpoint());
    }
  }
  return out;
}

void PeerManager::AddLocked(const std::string& address) {
  if (links_.contains(address)) {
    return;
  }
  auto link =
      std::make_unique<PeerLink>(address, self_, tls_, roster_, model_, writer_, options_, log_);
  link->Start();
  links_.emplace(address, std::move(link));
}

void PeerManager::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopped_) {
    return;
  }
  started_ = true;
  std::vector<std::string> addresses =
      from_roster_ ? RosterEndpoints(*roster_.Current()) : initial_;
  for (const std::string& address : addresses) {
    AddLocked(address);
  }
}

void PeerManager::AddPeer(const std::string& address) {
  absl::MutexLock lock(&mu_);
  if (!stopped_) {
    AddLocked(address);
  }
}

absl::Status PeerManager::SetPeers(const std::vector<std::string>& addresses) {
  if (from_roster_ || addresses.empty()) {
    return absl::FailedPreconditionError(
        "peers: switching between a peers list and the roster's endpoints needs a restart");
  }
  absl::MutexLock lock(&mu_);
  if (stopped_) {
    return absl::OkStatus();
  }
  if (!started_) {
    initial_ = addresses;
    return absl::OkStatus();
  }
  DialOnlyLocked(addresses);
  return absl::OkStatus();
}

void PeerManager::DialOnlyLocked(const std::vector<std::string>& wanted) {
  std::set<std::string> keep(wanted.begin(), wanted.end());
  for (auto it = links_.begin(); it != links_.end();) {
    if (!keep.contains(it->first)) {
      log_->info("no longer dialing peer {}", it->first);
      it->second->RequestStop();
      retired_.push_back(std::move(it->second));
      it = links_.erase(it);
    } else {
      ++it;
    }
  }
  for (const std::string& address : wanted) {
    AddLocked(address);
  }
}

void PeerManager::OnRoster(const Roster& roster) {
  // This may run on a link's own thread (it fetched the roster): links are
  // only told to stop here, never joined.
  absl::MutexLock lock(&mu_);
  if (!started_ || stopped_) {
    return;
  }
  {
    if (from_roster_) {
      DialOnlyLocked(RosterEndpoints(roster));
    }
    for (auto& [address, link] : links_) {
      std::string member = link->member();
      const v1::RosterMember* m = member.empty() ? nullptr : roster.Find(member);
      if (!member.empty() && (m == nullptr || m->status() != v1::MEMBER_STATUS_ACTIVE)) {
        log_->info("peer {} at {} is no longer an active member: dropping its connection", member,
                   address);
        link->Reconnect();
      }
    }
  }
}

void PeerManager::Stop() {
  std::map<std::string, std::unique_ptr<PeerLink>> links;
  std::vector<std::unique_ptr<PeerLink>> retired;
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    links.swap(links_);
    retired.swap(retired_);
  }
  for (auto& [address, link] : links) {
    link->RequestStop();
  }
  for (auto& [address, link] : links) {
    link->Stop();
  }
  for (auto& link : retired) {
    link->Stop();
  }
}

std::vector<PeerState> PeerManager::Peers() const {
  absl::MutexLock lock(&mu_);
  std::vector<PeerState> out;
  for (const auto& [address, link] : links_) {
    std::string member = link->member();
    out.push_back(
        {member.empty() ? address : member, address, link->connected(), link->LagRecords()});
  }
  return out;
}

}  // namespace authnet
