#pragma once

#include <cstdint>

#include "authnet/client.h"
#include "authnet/v1/checkout.pb.h"
#include "bench/bench_network.h"
#include "node/core/digester.h"

namespace authnet::bench {

// Catalog is the synthetic marketplace the api and scale benchmarks check
// against: `units` units of 100 GTINs, each with a supplier and a seller.
// Record seq s of the reporting member is about unit s - 1: mostly a sale,
// every tenth a passed verification of its supplier or seller, every
// fiftieth a confirmed counterfeit. Digests are real (normalized, HMAC under
// the network key), so checks of catalog units find their evidence.
class Catalog {
 public:
  explicit Catalog(uint64_t units) : units_(units) {}
  uint64_t units() const { return units_; }
  // Subjects of unit `i` (taken modulo units()) as a checkout sends them.
  Subjects CheckFor(uint64_t i) const;
  // Records makes the records, digested with `digester`, dated over the
  // last 180 days before `today`.
  RecordMaker Records(const Digester& digester, uint32_t today) const;

 private:
  uint64_t units_;
};

}  // namespace authnet::bench
