#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "authnet/v1/records.pb.h"
#include "node/core/digester.h"

namespace authnet {

// UnitQuery is what a check asks about the life of one unit whose GTIN lies
// under a brand's company prefix: the brand (the roster's owner of the
// prefix) and, under each live network key epoch, the digests of the unit,
// its GTIN and the prefix.
struct UnitQuery {
  struct Under {
    DigestBytes unit;
    DigestBytes gtin;
    DigestBytes prefix;
  };
  std::string brand;
  absl::InlinedVector<Under, 2> epochs;
};

// UnitLifecycle holds what brands said about their units (docs/architecture.md §3):
// the units each brand commissioned, as sorted arrays of 8-byte unit keys
// per company prefix (10 bytes a unit with its expiry day), the GTINs it
// declared serialized and the units it decommissioned. It stores digests
// only and trusts its caller (the Model) to apply records that passed
// CheckPublisher and to say which origins count.
// Not thread-safe: the Model's lock guards it.
class UnitLifecycle {
 public:
  // What one lookup found, each the day of the newest such record (0: none).
  struct Found {
    uint32_t commissioned = 0;
    uint32_t decommissioned = 0;
    uint32_t serialized = 0;
  };

  // Apply folds in lifecycle record `r` of `origin`, which stops counting
  // on `expire_day`; `sign` -1 takes out a record its origin retracted.
  void Apply(uint16_t origin, const v1::Record& r, uint32_t expire_day, int sign);
  // Find adds to `found` what `origin` said, under one epoch, about `q`'s
  // unit, GTIN and prefix that still counts on `today`.
  void Find(uint16_t origin, const UnitQuery::Under& q, uint32_t today, Found* found) const;
  // Units is how many commissioned unit keys are held.
  uint64_t Units() const;

 private:
  // UnitSet is one brand's commissioned units under one prefix digest: a
  // sorted array and a small hash of recent additions, merged into the
  // array once it holds an eighth of it (so ingest stays amortized O(1)).
  class UnitSet {
   public:
    void Add(absl::string_view packed_keys, uint16_t expire_day);
    void Remove(absl::string_view packed_keys);
    // ExpireDay of `key`, 0 if absent.
    uint16_t ExpireDay(uint64_t key) const;
    uint64_t size() const { return keys_.size() + pending_.size(); }

   private:
    void Merge();
    std::vector<uint64_t> keys_;    // ascending
    std::vector<uint16_t> expire_;  // parallel to keys_
    absl::flat_hash_map<uint64_t, uint16_t> pending_;
  };
  struct SetKey {
    uint64_t prefix;
    uint16_t origin;
    bool operator==(const SetKey&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const SetKey& k) {
      return H::combine(std::move(h), k.prefix, k.origin);
    }
  };
  // Mark is one origin's gtin_serialized or unit_decommissioned records
  // about one digest, per day.
  struct Mark {
    uint64_t prefix;
    uint32_t day;
    uint32_t expire_day;
    uint16_t origin;
    uint32_t count;
  };
  using Marks = absl::InlinedVector<Mark, 1>;
  using MarkMap = absl::flat_hash_map<uint64_t, Marks>;

  static uint64_t Key8(absl::string_view bytes);
  static void ApplyMark(MarkMap& map, uint16_t origin, const v1::Record& r, uint32_t expire_day,
                        int sign);
  static uint32_t NewestMark(const MarkMap& map, uint16_t origin, uint64_t key, uint64_t prefix,
                             uint32_t today);

  absl::flat_hash_map<SetKey, UnitSet> commissioned_;
  MarkMap serialized_;      // by GTIN digest
  MarkMap decommissioned_;  // by unit digest
};

}  // namespace authnet
