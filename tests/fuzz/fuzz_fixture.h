#pragma once

// What every fuzz target shares: fixed keys and a fixed roster, so an input
// found once replays identically forever (Ed25519 signatures are
// deterministic), and a fixed day.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "node/bundle/roster.h"
#include "node/core/clock.h"
#include "node/crypto/ed25519_key.h"

namespace authnet::fuzz {

inline constexpr char kNetwork[] = "fuzznet";
inline constexpr uint32_t kToday = 20400;

// The members of FixedRoster(); all sign with MemberKey().
inline const std::vector<std::string>& Members() {
  static const std::vector<std::string> members = {"acme", "globex", "initech", "revoked-co"};
  return members;
}

const crypto::Ed25519Key& AdminKey();
const crypto::Ed25519Key& MemberKey();
// Roster version 5: acme (trust 1), globex (1), initech (0.5), revoked-co
// (revoked).
const Roster& FixedRoster();

// A Clock stopped at kToday, noon.
class FixedClock : public Clock {
 public:
  int64_t NowMicros() const override {
    return int64_t{kToday} * 86'400'000'000LL + 43'200'000'000LL;
  }
};

// Invariant aborts with a message when a property the code promises fails,
// so libFuzzer (and the corpus replay) report it as a crash.
#define FUZZ_INVARIANT(cond)                                                              \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

// Chunks splits `data` into pieces, each prefixed by a one-byte length.
std::vector<std::string> Chunks(const uint8_t* data, size_t size);

}  // namespace authnet::fuzz
