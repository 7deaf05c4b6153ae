#include "node/write/signing_gate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace authnet {

SigningGate::SigningGate(std::string origin, std::shared_ptr<spdlog::logger> log,
                         std::function<void()> on_reopen, LogHead log_head)
    : origin_(std::move(origin)),
      log_(std::move(log)),
      on_reopen_(std::move(on_reopen)),
      log_head_(std::move(log_head)) {}

std::string SigningGate::TextLocked() const {
  if (revoked_) {
    return absl::StrCat("member ", origin_,
                        " is revoked in the roster: this node no longer signs reports (no other "
                        "member would take them); ask the network admins");
  }
  return why_;
}

std::optional<std::string> SigningGate::Closed() const {
  absl::MutexLock lock(&mu_);
  if (!revoked_ && log_hold_ == Hold::kOpen) {
    return std::nullopt;
  }
  return TextLocked();
}

SigningGate::Hold SigningGate::hold() const {
  absl::MutexLock lock(&mu_);
  return revoked_ ? Hold::kRevoked : log_hold_;
}

void SigningGate::AwaitPeers(const std::string& why) {
  absl::MutexLock lock(&mu_);
  log_hold_ = Hold::kRestored;
  why_ = absl::StrCat(why,
                      ": this node signs no report until a peer confirms how much of its own log "
                      "the network holds (it adopts what it lacks first)");
  log_->warn("{}", why_);
}

void SigningGate::PeerHead(const std::string& peer, uint64_t theirs, uint64_t mine) {
  if (theirs > mine && log_head_) {
    // Another replica's commits the model has not caught up with yet.
    if (std::optional<uint64_t> head = log_head_(); head.has_value()) {
      mine = std::max(mine, *head);
    }
  }
  bool reopened = false;
  {
    absl::MutexLock lock(&mu_);
    if (theirs > mine) {
      if (log_hold_ == Hold::kConflict || log_hold_ == Hold::kBehind) {
        return;
      }
      bool expected = log_hold_ == Hold::kRestored;  // a restore the operator announced
      log_hold_ = Hold::kBehind;
      why_ = absl::StrCat("the network holds ", origin_, "'s own log up to seq ", theirs,
                          " but this node's log ends at ", mine,
                          " (restored from an old backup, or a second copy of this node ran): it "
                          "signs no report until it has adopted its own batches from peers");
      log_->log(expected ? spdlog::level::warn : spdlog::level::err,
                "{}{} holds this node's origin {} up to seq {}, beyond its own log (seq {}); "
                "signing stopped, adopting the missing batches from peers",
                expected ? "" : "ALERT: ", peer, origin_, theirs, mine);
      return;
    }
    // A peer holding less of this origin than the log is behind on it and
    // confirms nothing: only one holding exactly the log's head does.
    if ((log_hold_ == Hold::kRestored || log_hold_ == Hold::kBehind) && theirs == mine) {
      log_->info(
          "{} holds {}'s log up to seq {} and this node up to {}: its own log is "
          "whole again; signing resumes after seq {}",
          peer, origin_, theirs, mine, mine);
      log_hold_ = Hold::kOpen;
      why_.clear();
      reopened = true;
    }
  }
  if (reopened && on_reopen_) {
    on_reopen_();
  }
}

void SigningGate::Conflict(uint64_t first, uint64_t last) {
  absl::MutexLock lock(&mu_);
  if (log_hold_ == Hold::kConflict) {
    return;
  }
  log_hold_ = Hold::kConflict;
  why_ = absl::StrCat(
      "the network holds a different batch of ", origin_, "'s own seqs ", first, "..", last,
      " than this node's log: two histories of this member exist (a second copy of this node, or "
      "reports taken after restoring an old backup); signing stopped until restart; stop every "
      "other copy, then see docs/ops/backup-and-restore.md");
  log_->error("ALERT: {}", why_);
}

void SigningGate::SetRevoked(bool revoked, uint64_t roster_version) {
  absl::MutexLock lock(&mu_);
  if (revoked == revoked_) {
    return;
  }
  revoked_ = revoked;
  if (revoked) {
    log_->error(
        "roster version {} revokes this member ({}): reports are refused and health is "
        "NOT_SERVING; no other member takes this node's records any more",
        roster_version, origin_);
  } else {
    log_->info("roster version {} lists this member ({}) as active again", roster_version, origin_);
  }
}

}  // namespace authnet
