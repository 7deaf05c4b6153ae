#include "node/write/own_log_appender.h"

#include "absl/strings/str_cat.h"

namespace authnet {
namespace {

// Most unit-key bytes the retractions of one Retract call may repeat.
constexpr size_t kMaxRetractUnitKeyBytes = 1 << 20;

}  // namespace

OwnLogAppender::OwnLogAppender(WriteTxn& txn, const std::string& network, const std::string& origin,
                               uint64_t last_seq, IsRetracted is_retracted)
    : txn_(txn),
      origin_(origin),
      last_seq_(last_seq),
      next_(last_seq + 1),
      is_retracted_(std::move(is_retracted)) {
  body_.set_network(network);
  body_.set_origin(origin);
  body_.set_first_seq(next_);
}

std::optional<Appended> OwnLogAppender::KnownKey(size_t index, const PendingWrite& w) {
  const absl::Status reused =
      absl::InvalidArgumentError("idempotency_key: already used for a different report");
  if (auto it = keys_.find(w.key_hash); it != keys_.end()) {
    if (it->second.second != w.request_hash) {
      return Appended{reused};
    }
    return Appended{WriteResult{}, it->second.first};
  }
  absl::StatusOr<std::optional<IdempotencyEntry>> found = txn_.FindIdempotency(w.key_hash);
  if (!found.ok()) {
    return Appended{absl::UnavailableError(
        absl::StrCat("could not read the idempotency table: ", found.status().message()))};
  }
  if (found->has_value()) {
    if ((*found)->request_hash != w.request_hash) {
      return Appended{reused};
    }
    return Appended{WriteResult{(*found)->first_seq, (*found)->count, true}};
  }
  keys_[w.key_hash] = {index, w.request_hash};
  return std::nullopt;
}

Appended OwnLogAppender::AddReport(size_t index, PendingWrite& w) {
  if (!w.key_hash.empty()) {
    if (std::optional<Appended> known = KnownKey(index, w)) {
      return *std::move(known);
    }
  }
  WriteResult r{next_, static_cast<uint32_t>(w.records.size()), false};
  for (v1::Record& rec : w.records) {
    rec.set_seq(next_++);
    *body_.add_records() = std::move(rec);
  }
  body_.set_last_seq(next_ - 1);
  if (!w.key_hash.empty()) {
    entries_.push_back({w.key_hash, w.request_hash, r.first_seq, r.count,
                        body_.records(body_.records_size() - 1).day()});
  }
  return Appended{r, std::nullopt, true};
}

absl::StatusOr<std::optional<v1::Record>> OwnLogAppender::RecordAt(uint64_t seq) {
  if (seq > last_seq_) {
    return std::optional<v1::Record>(body_.records(static_cast<int>(seq - last_seq_ - 1)));
  }
  return txn_.FindRecord(origin_, seq);
}

absl::StatusOr<std::optional<v1::Record>> OwnLogAppender::Retraction(uint64_t seq) {
  absl::StatusOr<std::optional<v1::Record>> target = RecordAt(seq);
  if (!target.ok()) {
    return absl::UnavailableError(
        absl::StrCat("could not read record ", seq, ": ", target.status().message()));
  }
  if (!target->has_value()) {
    return absl::DataLossError(absl::StrCat("seq: record ", seq, " is missing from the store"));
  }
  if ((*target)->retracts_seq() != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("seq: record ", seq, " is a retraction and cannot be retracted"));
  }
  if (is_retracted_(seq) || retracted_.contains(seq)) {
    return std::nullopt;
  }
  // The retraction repeats the record it undoes, day and ttl included, so
  // every model can find and subtract exactly that evidence.
  v1::Record r = **std::move(target);
  r.set_retracts_seq(seq);
  return r;
}

Appended OwnLogAppender::AddRetract(const PendingWrite& w) {
  // Compare without adding, so a range near 2^64 cannot wrap around.
  if (w.seq == 0 || w.seq >= next_ || w.count > next_ - w.seq) {
    return Appended{absl::NotFoundError(
        absl::StrCat("seq: records ", w.seq, " (", w.count,
                     " of them) do not all exist; this node's log ends at ", next_ - 1))};
  }
  // Validate the whole range before adding anything.
  std::vector<v1::Record> retractions;
  size_t unit_key_bytes = 0;
  for (uint64_t seq = w.seq; seq - w.seq < w.count; ++seq) {
    absl::StatusOr<std::optional<v1::Record>> r = Retraction(seq);
    if (!r.ok()) {
      return Appended{r.status()};
    }
    if (r->has_value()) {
      unit_key_bytes += (*r)->unit_keys().size();
      retractions.push_back(**std::move(r));
    }
  }
  // A retraction repeats its record's unit keys: keep the batch far below
  // what peers accept.
  if (unit_key_bytes > kMaxRetractUnitKeyBytes) {
    return Appended{absl::InvalidArgumentError(
        absl::StrCat("count: these records commission ", unit_key_bytes / 8,
                     " units, and one retraction may repeat at most ", kMaxRetractUnitKeyBytes / 8,
                     "; retract fewer records per call"))};
  }
  WriteResult result{retractions.empty() ? 0 : next_, static_cast<uint32_t>(retractions.size()),
                     false};
  for (v1::Record& rec : retractions) {
    retracted_.insert(rec.retracts_seq());
    rec.set_seq(next_++);
    *body_.add_records() = std::move(rec);
  }
  if (!retractions.empty()) {
    body_.set_last_seq(next_ - 1);
  }
  return Appended{result, std::nullopt, true};
}

}  // namespace authnet
