#include "node/write/peer_ingest.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "node/metrics/metric_names.h"

namespace authnet {

PeerIngest::PeerIngest(WriteTxn& txn, const std::string& own_origin, MetricsRegistry* metrics,
                       spdlog::logger& log)
    : txn_(txn), own_origin_(own_origin), metrics_(metrics), log_(log) {}

void PeerIngest::Refuse(IngestResult& result, const v1::BatchBody& b, const char* reason,
                        absl::string_view why) {
  ++result.refused;
  if (metrics_ != nullptr) {
    metrics_->GetCounter(kBatchesRefused, kBatchesRefusedHelp, {{"reason", reason}}).Increment();
  }
  std::string line =
      absl::StrCat("refused batch ", b.origin(), " ", b.first_seq(), "..", b.last_seq(), ": ", why);
  log_.warn("{}", line);
  if (result.first_refusal.empty()) {
    result.first_refusal = line;
  }
}

absl::StatusOr<uint64_t*> PeerIngest::Held(const std::string& origin) {
  auto it = held_.find(origin);
  if (it == held_.end()) {
    absl::StatusOr<uint64_t> last = txn_.LastSeq(origin);
    if (!last.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot read what is held of ", origin, ": ", last.status().message()));
    }
    it = held_.emplace(origin, *last).first;
  }
  return &it->second;
}

absl::StatusOr<bool> PeerIngest::SameAsHeld(const VerifiedBatch& vb) {
  const v1::BatchBody& b = vb.body;
  for (const StoredBatch& pending : accepted_) {
    if (pending.origin == b.origin() && pending.first_seq == b.first_seq()) {
      return pending.batch.body() == vb.batch.body();
    }
  }
  absl::StatusOr<std::optional<v1::SignedBatch>> found = txn_.FindBatch(b.origin(), b.first_seq());
  if (!found.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the batch held for these seqs: ", found.status().message()));
  }
  return found->has_value() && (*found)->body() == vb.batch.body();
}

IngestResult PeerIngest::Add(std::vector<VerifiedBatch>& batches) {
  IngestResult result;
  for (VerifiedBatch& vb : batches) {
    const v1::BatchBody& b = vb.body;
    absl::StatusOr<uint64_t*> held = Held(b.origin());
    if (!held.ok()) {
      Refuse(result, b, kBatchRefusedUnreadable, held.status().message());
      continue;
    }
    if (b.last_seq() <= **held) {
      absl::StatusOr<bool> same = SameAsHeld(vb);
      if (!same.ok()) {
        Refuse(result, b, kBatchRefusedUnreadable, same.status().message());
      } else if (*same) {
        ++result.duplicates;
      } else {
        if (b.origin() == own_origin_) {
          own_conflict_ = std::pair(b.first_seq(), b.last_seq());  // the gate raises the ALERT
        } else {
          log_.error(
              "ALERT: origin {} signed two different batches for seqs {}..{}; keeping the "
              "first, refusing the second: that member is misbehaving",
              b.origin(), b.first_seq(), b.last_seq());
        }
        Refuse(result, b, kBatchRefusedConflict,
               "conflicts with the batch already held for these seqs");
      }
      continue;
    }
    if (b.origin() == own_origin_ && b.first_seq() <= **held) {
      // Straddles the log's head: this node never batched its seqs so, so
      // the network holds another history of them.
      own_conflict_ = std::pair(b.first_seq(), b.last_seq());
      Refuse(result, b, kBatchRefusedConflict,
             "overlaps this node's own log with other batch boundaries: a second history");
      continue;
    }
    if (b.first_seq() != **held + 1) {
      Refuse(result, b, kBatchRefusedGap,
             absl::StrCat("leaves a gap: this node holds ", b.origin(), " up to ", **held));
      continue;
    }
    if (b.origin() == own_origin_) {
      // Signed with this node's own key (verified): its own log, which it
      // lost (an old backup restored) or a second copy of it wrote. Adopt
      // it; the writer signs nothing in this group.
      log_.warn("adopting batch {}..{} of this node's own origin from a peer", b.first_seq(),
                b.last_seq());
      adopted_own_ = true;
    }
    **held = b.last_seq();
    accepted_.push_back({b.origin(), b.first_seq(), b.last_seq(), std::move(vb.batch)});
    bodies_.push_back(std::move(vb.body));
    ++result.stored;
  }
  return result;
}

}  // namespace authnet
