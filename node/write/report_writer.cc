#include "node/write/report_writer.h"

#include <chrono>
#include <optional>

#include "absl/strings/str_cat.h"
#include "node/metrics/metric_names.h"
#include "node/write/own_log_appender.h"
#include "node/write/peer_ingest.h"

namespace authnet {

struct ReportWriter::GroupOutcome {
  explicit GroupOutcome(size_t n) : appended(n), ingested(n, IngestResult{}) {}
  std::vector<Appended> appended;
  std::vector<absl::StatusOr<IngestResult>> ingested;
  std::vector<v1::BatchBody> committed;  // bodies committed, own first
  bool probe = false;
};

absl::StatusOr<std::unique_ptr<ReportWriter>> ReportWriter::Create(
    Options options, LogStore& store, const crypto::Ed25519Key& signing_key, std::string network,
    std::string origin, IsRetracted is_retracted, std::shared_ptr<spdlog::logger> log) {
  return std::unique_ptr<ReportWriter>(new ReportWriter(options, store, signing_key,
                                                        std::move(network), std::move(origin),
                                                        std::move(is_retracted), std::move(log)));
}

ReportWriter::ReportWriter(Options options, LogStore& store, const crypto::Ed25519Key& signing_key,
                           std::string network, std::string origin, IsRetracted is_retracted,
                           std::shared_ptr<spdlog::logger> log)
    : options_(options),
      store_(store),
      signing_key_(signing_key),
      network_(std::move(network)),
      origin_(std::move(origin)),
      is_retracted_(std::move(is_retracted)),
      log_(std::move(log)),
      commit_seconds_(
          options.metrics == nullptr
              ? nullptr
              : &options.metrics->GetHistogram(kStoreCommitSeconds, kStoreCommitSecondsHelp)),
      queue_(options.max_queued, options.max_batch_records) {
  thread_ = std::thread([this] { Run(); });
}

ReportWriter::~ReportWriter() { Stop(); }

void ReportWriter::Stop() {
  queue_.Stop();
  if (thread_.joinable()) {
    thread_.join();
  }
  queue_.FinishAnswers();
}

void ReportWriter::SubmitReport(std::vector<v1::Record> records, std::string key_hash,
                                std::string request_hash, WriteCallback done) {
  PendingWrite w;
  w.records = std::move(records);
  w.key_hash = std::move(key_hash);
  w.request_hash = std::move(request_hash);
  w.done = std::move(done);
  queue_.Push(std::move(w));
}

void ReportWriter::SubmitRetract(uint64_t seq, uint32_t count, WriteCallback done) {
  PendingWrite w;
  w.kind = PendingWrite::Kind::kRetract;
  w.seq = seq;
  w.count = count;
  w.done = std::move(done);
  queue_.Push(std::move(w));
}

void ReportWriter::SubmitBatches(std::vector<VerifiedBatch> batches, IngestCallback done) {
  PendingWrite w;
  w.kind = PendingWrite::Kind::kIngest;
  w.ingest = std::move(batches);
  w.ingest_done = std::move(done);
  queue_.Push(std::move(w));
}

void ReportWriter::ProbeIfUnhealthy() {
  if (!Healthy()) {
    PendingWrite w;
    w.kind = PendingWrite::Kind::kProbe;
    queue_.Push(std::move(w));
  }
}

void ReportWriter::SubmitMeta(std::string key, std::string value, WriteCallback done) {
  PendingWrite w;
  w.kind = PendingWrite::Kind::kMeta;
  w.meta_key = std::move(key);
  w.meta_value = std::move(value);
  w.done = std::move(done);
  queue_.Push(std::move(w));
}

void ReportWriter::WriteMeta(PendingWrite& w) {
  absl::Status st = store_.PutMeta(w.meta_key, w.meta_value);
  if (!st.ok()) {
    log_->error("could not store {} in {}: {}", w.meta_key, store_.Describe(),
                std::string(st.message()));
    st = absl::UnavailableError(
        absl::StrCat("could not store it in ", store_.Describe(), ": ", st.message()));
  }
  if (w.done) {
    std::move(w.done)(st.ok() ? absl::StatusOr<WriteResult>(WriteResult{})
                              : absl::StatusOr<WriteResult>(st));
  }
}

void ReportWriter::Run() {
  while (std::optional<WriteGroup> group = queue_.Next()) {
    for (PendingWrite& m : group->metas) {
      WriteMeta(m);
    }
    if (!group->writes.empty()) {
      ProcessGroup(std::move(group->writes));
    }
  }
}

void ReportWriter::ProcessGroup(std::vector<PendingWrite> group) {
  GroupOutcome out(group.size());
  absl::Status st = BuildAndCommit(group, out);
  if (!st.ok()) {
    // One line when the store starts failing, not one per group after.
    if (store_ok_.exchange(false, std::memory_order_relaxed)) {
      log_->error("could not commit to {}: {}; reports are refused until it takes writes again",
                  store_.Describe(), std::string(st.message()));
    } else {
      log_->debug("could not commit to {}: {}", store_.Describe(), std::string(st.message()));
    }
    for (size_t i = 0; i < group.size(); ++i) {
      // Every report and retraction not already refused fails: the
      // transaction may have failed before reaching it (Begin).
      PendingWrite::Kind kind = group[i].kind;
      if ((kind == PendingWrite::Kind::kReport || kind == PendingWrite::Kind::kRetract) &&
          out.appended[i].result.ok() && !out.appended[i].same_as) {
        out.appended[i].result = absl::UnavailableError(
            absl::StrCat("the node could not make the report durable: ", st.message()));
      }
      if (group[i].kind == PendingWrite::Kind::kIngest) {
        out.ingested[i] =
            absl::UnavailableError(absl::StrCat("could not store peer batches: ", st.message()));
      }
    }
  } else if (!out.committed.empty()) {
    store_ok_.store(true, std::memory_order_relaxed);
    Announce(out.committed);
  } else if (out.probe) {
    Probe();
  }
  QueueAnswers(std::move(group), std::move(out));
}

absl::Status ReportWriter::BuildAndCommit(std::vector<PendingWrite>& group, GroupOutcome& out) {
  absl::StatusOr<std::unique_ptr<WriteTxn>> txn = store_.Begin();
  if (!txn.ok()) {
    return txn.status();
  }
  using Kind = PendingWrite::Kind;
  // Peers' batches first: a batch of this node's own origin adopted from a
  // peer moves the log's head before any report could be numbered.
  PeerIngest peers(**txn, origin_, options_.metrics, *log_);
  for (size_t i = 0; i < group.size(); ++i) {
    if (group[i].kind == Kind::kIngest) {
      out.ingested[i] = peers.Add(group[i].ingest);
    } else if (group[i].kind == Kind::kProbe) {
      out.probe = true;
    }
  }
  absl::StatusOr<uint64_t> last = peers.OwnHead();
  if (!last.ok()) {
    return last.status();
  }
  std::optional<std::string> closed = SigningClosed(peers);
  OwnLogAppender own(**txn, network_, origin_, *last,
                     [this](uint64_t seq) { return is_retracted_(origin_, seq); });
  for (size_t i = 0; i < group.size(); ++i) {
    PendingWrite& w = group[i];
    if (w.kind != Kind::kReport && w.kind != Kind::kRetract) {
      continue;
    }
    if (closed) {
      out.appended[i].result = absl::UnavailableError(*closed);
    } else {
      out.appended[i] = w.kind == Kind::kReport ? own.AddReport(i, w) : own.AddRetract(w);
    }
  }
  absl::StatusOr<std::vector<StoredBatch>> batches = Sign(own.body(), peers.accepted());
  if (!batches.ok() || batches->empty()) {
    return batches.status();  // nothing to write (or a signing failure)
  }
  if (absl::Status st = CommitTimed(**txn, *batches, own.entries()); !st.ok()) {
    return st;
  }
  if (own.body().records_size() > 0) {
    out.committed.push_back(std::move(own.body()));
  }
  std::move(peers.bodies().begin(), peers.bodies().end(), std::back_inserter(out.committed));
  return absl::OkStatus();
}

std::optional<std::string> ReportWriter::SigningClosed(const PeerIngest& peers) {
  if (options_.gate == nullptr) {
    return std::nullopt;
  }
  if (const auto& seqs = peers.own_conflict()) {
    options_.gate->Conflict(seqs->first, seqs->second);
  }
  if (std::optional<std::string> closed = options_.gate->Closed()) {
    return closed;
  }
  if (peers.adopted_own()) {
    return "this node is adopting its own log's batches from a peer; retry in a moment";
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<StoredBatch>> ReportWriter::Sign(v1::BatchBody& own,
                                                            std::vector<StoredBatch>& peers) {
  std::vector<StoredBatch> out;
  if (own.records_size() > 0) {
    absl::StatusOr<StoredBatch> signed_own = SignBatch(own, signing_key_);
    if (!signed_own.ok()) {
      return signed_own.status();
    }
    out.push_back(*std::move(signed_own));
  }
  std::move(peers.begin(), peers.end(), std::back_inserter(out));
  return out;
}

absl::Status ReportWriter::CommitTimed(WriteTxn& txn, const std::vector<StoredBatch>& batches,
                                       const std::vector<IdempotencyEntry>& entries) {
  auto started = std::chrono::steady_clock::now();
  absl::Status st = txn.Put(batches, entries);
  if (st.ok()) {
    st = txn.Commit();
  }
  if (commit_seconds_ != nullptr) {
    commit_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return st;
}

void ReportWriter::Probe() {
  if (store_ok_.load(std::memory_order_relaxed)) {
    return;  // the group's own transaction already showed the store works
  }
  absl::Status probed = store_.Probe();
  store_ok_.store(probed.ok(), std::memory_order_relaxed);
  if (probed.ok()) {
    log_->info("{} takes writes again; reports are accepted", store_.Describe());
  }
}

void ReportWriter::Announce(const std::vector<v1::BatchBody>& bodies) {
  for (const CommitListener& listener : listeners_) {
    listener(bodies);
  }
}

void ReportWriter::QueueAnswers(std::vector<PendingWrite> group, GroupOutcome out) {
  // Answering runs gRPC's response path; the answering thread does it while
  // this thread starts on the next group.
  queue_.Answer([group = std::move(group), out = std::move(out)]() mutable {
    for (size_t i = 0; i < group.size(); ++i) {
      PendingWrite& w = group[i];
      if (w.kind == PendingWrite::Kind::kIngest) {
        std::move(w.ingest_done)(std::move(out.ingested[i]));
      } else if (w.kind == PendingWrite::Kind::kProbe) {
        continue;
      } else if (std::optional<size_t> first = out.appended[i].same_as) {
        absl::StatusOr<WriteResult> r = out.appended[*first].result;
        if (r.ok()) {
          r->replayed = true;
        }
        std::move(w.done)(std::move(r));
      } else {
        std::move(w.done)(std::move(out.appended[i].result));
      }
    }
  });
}

}  // namespace authnet
