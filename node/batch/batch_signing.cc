#include "node/batch/batch_signing.h"

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

absl::Status ParseStoredBatch(const StoredBatch& stored, const std::string& network,
                              v1::BatchBody* body) {
  if (!body->ParseFromString(stored.batch.body()) || body->network() != network ||
      body->origin() != stored.origin || body->first_seq() != stored.first_seq ||
      body->last_seq() != stored.last_seq) {
    return absl::DataLossError(absl::StrCat("stored batch ", stored.origin, " ", stored.first_seq,
                                            "..", stored.last_seq,
                                            " is damaged; restore the data from a backup"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Record> RecordInStoredBatch(const std::string& origin, uint64_t seq,
                                               const std::string& body) {
  v1::BatchBody parsed;
  if (!parsed.ParseFromString(body)) {
    return absl::DataLossError(
        absl::StrCat("stored batch of ", origin, " holding seq ", seq, " does not parse"));
  }
  uint64_t index = seq - parsed.first_seq();
  if (seq < parsed.first_seq() || index >= static_cast<uint64_t>(parsed.records_size())) {
    return absl::DataLossError(
        absl::StrCat("stored batch of ", origin, " holding seq ", seq, " does not cover it"));
  }
  return parsed.records(static_cast<int>(index));
}

}  // namespace authnet
