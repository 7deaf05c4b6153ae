#include "node/store/report_writer.h"

#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"

namespace authnet {

std::string BatchSignedMessage(absl::string_view body) {
  return absl::StrCat(absl::string_view("authnet/v1/batch\0", 17), body);
}

absl::StatusOr<StoredBatch> SignBatch(const v1::BatchBody& body, const crypto::Ed25519Key& key) {
  StoredBatch out{body.origin(), body.first_seq(), body.last_seq(), {}};
  out.batch.set_body(body.SerializeAsString());
  absl::StatusOr<std::string> sig = key.Sign(BatchSignedMessage(out.batch.body()));
  if (!sig.ok()) {
    return sig.status();
  }
  out.batch.set_signature(*std::move(sig));
  return out;
}

absl::StatusOr<std::unique_ptr<ReportWriter>> ReportWriter::Create(
    Options options, LogStore& store, Model& model, const crypto::Ed25519Key& signing_key,
    std::string network, std::string origin, std::shared_ptr<spdlog::logger> log) {
  absl::StatusOr<uint64_t> last = store.LastSeq(origin);
  if (!last.ok()) {
    return last.status();
  }
  return std::unique_ptr<ReportWriter>(new ReportWriter(options, store, model, signing_key,
                                                        std::move(network), std::move(origin),
                                                        *last, std::move(log)));
}

ReportWriter::ReportWriter(Options options, LogStore& store, Model& model,
                           const crypto::Ed25519Key& signing_key, std::string network,
                           std::string origin, uint64_t last_seq,
                           std::shared_ptr<spdlog::logger> log)
    : options_(options),
      store_(store),
      model_(model),
      signing_key_(signing_key),
      network_(std::move(network)),
      origin_(std::move(origin)),
      log_(std::move(log)),
      commit_seconds_(options.metrics == nullptr
                          ? nullptr
                          : &options.metrics->GetHistogram(
                                "authnet_store_commit_seconds",
                                "SQLite group commit latency (write, fsync), per transaction.")),
      last_seq_(last_seq) {
  thread_ = std::thread([this] { Run(); });
  answerer_ = std::thread([this] { Answer(); });
}

ReportWriter::~ReportWriter() { Stop(); }

void ReportWriter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.join();
  }
  {
    absl::MutexLock lock(&answer_mu_);
    answers_done_ = true;
  }
  if (answerer_.joinable()) {
    answerer_.join();
  }
}

void ReportWriter::Answer() {
  while (true) {
    absl::AnyInvocable<void() &&> next;
    {
      absl::MutexLock lock(&answer_mu_);
      answer_mu_.Await(absl::Condition(
          +[](ReportWriter* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return self->answers_done_ || !self->answers_.empty();
          },
          this));
      if (answers_.empty()) {
        return;  // the writer has stopped and every answer went out
      }
      next = std::move(answers_.front());
      answers_.pop_front();
    }
    std::move(next)();
  }
}

void ReportWriter::SubmitReport(std::vector<v1::Record> records, std::string key_hash,
                                std::string request_hash, WriteCallback done) {
  Write w;
  w.records = std::move(records);
  w.key_hash = std::move(key_hash);
  w.request_hash = std::move(request_hash);
  w.done = std::move(done);
  Enqueue(std::move(w));
}

void ReportWriter::SubmitRetract(uint64_t seq, uint32_t count, WriteCallback done) {
  Write w;
  w.kind = Write::Kind::kRetract;
  w.seq = seq;
  w.count = count;
  w.done = std::move(done);
  Enqueue(std::move(w));
}

void ReportWriter::SubmitBatches(std::vector<VerifiedBatch> batches, IngestCallback done) {
  Write w;
  w.kind = Write::Kind::kIngest;
  w.ingest = std::move(batches);
  w.ingest_done = std::move(done);
  w.done = [](absl::StatusOr<WriteResult>) {};
  Enqueue(std::move(w));
}

void ReportWriter::ProbeIfUnhealthy() {
  if (Healthy()) {
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (probe_queued_ || stopping_) {
      return;
    }
    probe_queued_ = true;
  }
  Write w;
  w.kind = Write::Kind::kProbe;
  w.done = [](absl::StatusOr<WriteResult>) {};
  Enqueue(std::move(w));
}

void ReportWriter::SubmitMeta(std::string key, std::string value) {
  Write w;
  w.kind = Write::Kind::kMeta;
  w.meta_key = std::move(key);
  w.meta_value = std::move(value);
  w.done = [](absl::StatusOr<WriteResult>) {};
  Enqueue(std::move(w));
}

void ReportWriter::WriteMeta(const Write& w) {
  if (absl::Status st = store_.PutMeta(w.meta_key, w.meta_value); !st.ok()) {
    log_->error("could not store {} in the data dir: {}", w.meta_key, std::string(st.message()));
  }
}

void ReportWriter::Enqueue(Write write) {
  absl::MutexLock lock(&mu_);
  absl::Status refused;
  if (stopping_) {
    refused = absl::UnavailableError("node is shutting down; retry on another node or later");
  } else if (queue_.size() >= options_.max_queued && write.kind != Write::Kind::kMeta) {
    // (A meta write is rare and small, and must not be lost to a full queue.)
    refused = absl::ResourceExhaustedError(absl::StrCat(
        "write queue is full (", options_.max_queued, " waiting); retry with backoff"));
  }
  if (refused.ok()) {
    queue_.push_back(std::move(write));
  } else if (write.kind == Write::Kind::kProbe) {
    probe_queued_ = false;
  } else if (write.kind == Write::Kind::kMeta) {
    // Only when stopping: the next start writes it from the roster held.
  } else if (write.kind == Write::Kind::kIngest) {
    std::move(write.ingest_done)(refused);
  } else {
    std::move(write.done)(refused);
  }
}

void ReportWriter::Run() {
  while (true) {
    std::vector<Write> group;
    std::vector<Write> metas;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ReportWriter* self)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->stopping_ || !self->queue_.empty(); },
          this));
      if (queue_.empty()) {
        return;  // stopping and drained
      }
      size_t records = 0;
      while (!queue_.empty() && (group.empty() || records < options_.max_batch_records)) {
        const Write& w = queue_.front();
        if (w.kind == Write::Kind::kMeta) {
          metas.push_back(std::move(queue_.front()));
          queue_.pop_front();
          continue;
        }
        probe_queued_ &= w.kind != Write::Kind::kProbe;
        records += w.kind == Write::Kind::kRetract  ? w.count
                   : w.kind == Write::Kind::kIngest ? w.ingest.size()
                                                    : w.records.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    for (const Write& m : metas) {
      WriteMeta(m);
    }
    if (!group.empty()) {
      ProcessGroup(std::move(group));
    }
  }
}

void ReportWriter::ProcessGroup(std::vector<Write> group) {
  // Outcome of each write: an error, a result, or "same as write i" for a
  // repeated idempotency key within the group.
  std::vector<absl::StatusOr<WriteResult>> outcome(group.size(), WriteResult{});
  std::vector<std::optional<size_t>> same_as(group.size());
  std::vector<bool> writes(group.size(), false);
  std::map<std::string, size_t> keys_in_group;
  std::set<uint64_t> retracted_in_group;
  std::map<std::string, uint64_t> heads;  // origin -> highest seq held, as of this group
  std::vector<StoredBatch> ingested;
  std::vector<v1::BatchBody> ingested_bodies;
  std::vector<absl::StatusOr<IngestResult>> ingest_outcome(group.size(), IngestResult{});
  std::vector<IdempotencyEntry> entries;
  v1::BatchBody body;
  body.set_network(network_);
  body.set_origin(origin_);
  body.set_first_seq(last_seq_ + 1);
  uint64_t next = last_seq_ + 1;
  auto record_at = [&](uint64_t seq) -> absl::StatusOr<std::optional<v1::Record>> {
    if (seq > last_seq_) {
      return std::optional<v1::Record>(body.records(static_cast<int>(seq - last_seq_ - 1)));
    }
    return store_.FindRecord(origin_, seq);
  };

  bool probe = false;
  for (size_t i = 0; i < group.size(); ++i) {
    Write& w = group[i];
    if (w.kind == Write::Kind::kProbe) {
      probe = true;
      continue;
    }
    if (w.kind == Write::Kind::kIngest) {
      ingest_outcome[i] = Ingest(w, heads, &ingested, &ingested_bodies);
      continue;
    }
    if (w.kind == Write::Kind::kReport) {
      if (!w.key_hash.empty()) {
        std::optional<IdempotencyEntry> seen;
        if (auto it = keys_in_group.find(w.key_hash); it != keys_in_group.end()) {
          if (group[it->second].request_hash != w.request_hash) {
            outcome[i] =
                absl::InvalidArgumentError("idempotency_key: already used for a different report");
          } else {
            same_as[i] = it->second;
          }
          continue;
        }
        absl::StatusOr<std::optional<IdempotencyEntry>> found = store_.FindIdempotency(w.key_hash);
        if (!found.ok()) {
          outcome[i] = absl::UnavailableError(
              absl::StrCat("could not read the idempotency table: ", found.status().message()));
          continue;
        }
        if (found->has_value()) {
          if ((*found)->request_hash != w.request_hash) {
            outcome[i] =
                absl::InvalidArgumentError("idempotency_key: already used for a different report");
          } else {
            outcome[i] = WriteResult{(*found)->first_seq, (*found)->count, true};
          }
          continue;
        }
        keys_in_group[w.key_hash] = i;
      }
      WriteResult r{next, static_cast<uint32_t>(w.records.size()), false};
      for (v1::Record& rec : w.records) {
        rec.set_seq(next++);
        *body.add_records() = std::move(rec);
      }
      if (!w.key_hash.empty()) {
        entries.push_back({w.key_hash, w.request_hash, r.first_seq, r.count,
                           body.records(body.records_size() - 1).day()});
      }
      outcome[i] = r;
      writes[i] = true;
      continue;
    }
    // Retraction: validate the whole range before adding anything.
    std::vector<v1::Record> retractions;
    absl::Status error;
    std::set<uint64_t> retracting;
    // Compare without adding, so a range near 2^64 cannot wrap around.
    if (w.seq == 0 || w.seq >= next || w.count > next - w.seq) {
      error = absl::NotFoundError(
          absl::StrCat("seq: records ", w.seq, " (", w.count,
                       " of them) do not all exist; this node's log ends at ", next - 1));
    }
    for (uint64_t seq = w.seq; seq - w.seq < w.count && error.ok(); ++seq) {
      absl::StatusOr<std::optional<v1::Record>> target = record_at(seq);
      if (!target.ok()) {
        error = absl::UnavailableError(
            absl::StrCat("could not read record ", seq, ": ", target.status().message()));
        break;
      }
      if (!target->has_value()) {
        error =
            absl::DataLossError(absl::StrCat("seq: record ", seq, " is missing from the store"));
        break;
      }
      const v1::Record& t = **target;
      if (t.retracts_seq() != 0) {
        error = absl::InvalidArgumentError(
            absl::StrCat("seq: record ", seq, " is a retraction and cannot be retracted"));
        break;
      }
      if (model_.IsRetracted(origin_, seq) || retracted_in_group.contains(seq)) {
        continue;
      }
      // The retraction repeats the record it undoes, day and ttl included,
      // so every model can find and subtract exactly that evidence.
      v1::Record r = t;
      r.set_retracts_seq(seq);
      retractions.push_back(std::move(r));
      retracting.insert(seq);
    }
    if (!error.ok()) {
      outcome[i] = error;
      continue;
    }
    WriteResult r{retractions.empty() ? 0 : next, static_cast<uint32_t>(retractions.size()), false};
    for (v1::Record& rec : retractions) {
      rec.set_seq(next++);
      *body.add_records() = std::move(rec);
    }
    retracted_in_group.insert(retracting.begin(), retracting.end());
    outcome[i] = r;
    writes[i] = true;
  }

  std::vector<StoredBatch> to_store;
  absl::Status st;
  if (body.records_size() > 0) {
    body.set_last_seq(next - 1);
    absl::StatusOr<StoredBatch> own = SignBatch(body, signing_key_);
    if (own.ok()) {
      to_store.push_back(*std::move(own));
    } else {
      st = own.status();
    }
  }
  std::move(ingested.begin(), ingested.end(), std::back_inserter(to_store));
  if (!to_store.empty() && st.ok()) {
    auto started = std::chrono::steady_clock::now();
    st = store_.Commit(to_store, entries);
    if (commit_seconds_ != nullptr) {
      commit_seconds_->Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    store_ok_.store(st.ok(), std::memory_order_relaxed);
  } else if (probe && st.ok() && !Healthy()) {
    // Nothing else to commit: the probe write alone tells whether the data
    // dir takes writes again.
    absl::Status probed = store_.Probe();
    store_ok_.store(probed.ok(), std::memory_order_relaxed);
    if (probed.ok()) {
      log_->info("the data dir takes writes again; reports are accepted");
    }
  }
  if (!st.ok()) {
    log_->error("could not commit {} batches: {}", to_store.size(), std::string(st.message()));
    for (size_t i = 0; i < group.size(); ++i) {
      if (writes[i]) {
        outcome[i] = absl::UnavailableError(
            absl::StrCat("the node could not make the report durable: ", st.message()));
      }
      if (group[i].kind == Write::Kind::kIngest) {
        ingest_outcome[i] =
            absl::UnavailableError(absl::StrCat("could not store peer batches: ", st.message()));
      }
    }
  } else if (!to_store.empty()) {
    if (body.records_size() > 0) {
      last_seq_ = body.last_seq();
      ingested_bodies.insert(ingested_bodies.begin(), std::move(body));
    }
    for (const v1::BatchBody& b : ingested_bodies) {
      if (absl::Status applied = model_.ApplyBatch(b); !applied.ok()) {
        log_->critical("committed batch {} {}..{} did not apply to the model: {}", b.origin(),
                       b.first_seq(), b.last_seq(), std::string(applied.message()));
      }
    }
    if (on_commit_) {
      on_commit_();
    }
  }
  // Answering runs gRPC's response path; the answerer thread does it while
  // this thread starts on the next group.
  absl::AnyInvocable<void()&&> answer = [group = std::move(group), outcome = std::move(outcome),
                                         same_as = std::move(same_as),
                                         ingest_outcome = std::move(ingest_outcome)]() mutable {
    for (size_t i = 0; i < group.size(); ++i) {
      if (group[i].kind == Write::Kind::kIngest) {
        std::move(group[i].ingest_done)(std::move(ingest_outcome[i]));
      } else if (same_as[i]) {
        absl::StatusOr<WriteResult> first = outcome[*same_as[i]];
        if (first.ok()) {
          first->replayed = true;
        }
        std::move(group[i].done)(std::move(first));
      } else {
        std::move(group[i].done)(std::move(outcome[i]));
      }
    }
  };
  absl::MutexLock lock(&answer_mu_);
  answers_.push_back(std::move(answer));
}

IngestResult ReportWriter::Ingest(Write& w, std::map<std::string, uint64_t>& heads,
                                  std::vector<StoredBatch>* out,
                                  std::vector<v1::BatchBody>* bodies) {
  IngestResult result;
  auto refuse = [&](const v1::BatchBody& b, const char* reason, absl::string_view why) {
    ++result.refused;
    if (options_.metrics != nullptr) {
      options_.metrics->GetCounter(kBatchesRefused, kBatchesRefusedHelp, {{"reason", reason}})
          .Increment();
    }
    std::string line = absl::StrCat("refused batch ", b.origin(), " ", b.first_seq(), "..",
                                    b.last_seq(), ": ", why);
    log_->warn("{}", line);
    if (result.first_refusal.empty()) {
      result.first_refusal = line;
    }
  };
  for (VerifiedBatch& vb : w.ingest) {
    const v1::BatchBody& b = vb.body;
    auto [it, inserted] = heads.try_emplace(b.origin(), 0);
    if (inserted) {
      it->second = model_.LastSeq(b.origin());
    }
    uint64_t& held = it->second;
    if (b.last_seq() <= held) {
      // Already held: it must be the very batch we hold, byte for byte.
      std::optional<v1::SignedBatch> mine;
      for (const StoredBatch& pending : *out) {
        if (pending.origin == b.origin() && pending.first_seq == b.first_seq()) {
          mine = pending.batch;
        }
      }
      if (!mine) {
        absl::StatusOr<std::optional<v1::SignedBatch>> found =
            store_.FindBatch(b.origin(), b.first_seq());
        if (!found.ok()) {
          refuse(b, "unreadable",
                 absl::StrCat("cannot read the batch held for these seqs: ",
                              found.status().message()));
          continue;
        }
        mine = *found;
      }
      if (mine && mine->body() == vb.batch.body()) {
        ++result.duplicates;
        continue;
      }
      log_->error(
          "ALERT: origin {} signed two different batches for seqs {}..{}; keeping the "
          "first, refusing the second: that member is misbehaving",
          b.origin(), b.first_seq(), b.last_seq());
      refuse(b, "conflict", "conflicts with the batch already held for these seqs");
      continue;
    }
    if (b.first_seq() != held + 1) {
      refuse(b, "gap", absl::StrCat("leaves a gap: this node holds ", b.origin(), " up to ", held));
      continue;
    }
    if (b.origin() == origin_) {
      refuse(b, "own_origin",
             "is this node's own origin beyond its own log (data dir restored from an old "
             "backup?)");
      continue;
    }
    held = b.last_seq();
    out->push_back({b.origin(), b.first_seq(), b.last_seq(), std::move(vb.batch)});
    bodies->push_back(std::move(vb.body));
    ++result.stored;
  }
  return result;
}

}  // namespace authnet
