#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "authnet/v1/records.pb.h"
#include "node/crypto/ed25519_key.h"

namespace authnet {

// StoredBatch is one signed batch with the coordinates it is filed under.
struct StoredBatch {
  std::string origin;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  v1::SignedBatch batch;
};

// VerifiedBatch is a peer's batch that passed VerifyBatch, with its body.
struct VerifiedBatch {
  v1::SignedBatch batch;
  v1::BatchBody body;
};

// BatchSignedMessage is what an origin signs for a batch: "authnet/v1/batch\0"
// followed by the serialized BatchBody.
std::string BatchSignedMessage(absl::string_view body);

// SignBatch serializes `body` and signs it with the origin's `key`.
[[nodiscard]] absl::StatusOr<StoredBatch> SignBatch(const v1::BatchBody& body,
                                                    const crypto::Ed25519Key& key);

// ParseStoredBatch parses a batch read back from a store and checks that it
// is filed where its body says (network, origin, first and last seq): a
// mismatch is DATA_LOSS naming the batch. The signature is not checked
// again: the batch was verified (or signed here) before it was stored.
[[nodiscard]] absl::Status ParseStoredBatch(const StoredBatch& stored, const std::string& network,
                                            v1::BatchBody* body);

// RecordInStoredBatch returns record `seq` of `origin` from the serialized
// body of the stored batch that holds it; DATA_LOSS if the body does not
// parse or is shorter than its range.
[[nodiscard]] absl::StatusOr<v1::Record> RecordInStoredBatch(const std::string& origin,
                                                             uint64_t seq, const std::string& body);

}  // namespace authnet
