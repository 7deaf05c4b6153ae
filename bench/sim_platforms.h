#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "authnet/v1/checkout.pb.h"
#include "authnet/v1/records.pb.h"
#include "node/core/clock.h"
#include "node/core/digester.h"
#include "node/model/model.h"

namespace authnet::bench {

// SimPlatforms is the simulation's side of authnet: one real Model per
// platform, platforms grouped into networks of `members` consecutive ones,
// subjects digested by the real normalizer and Digester. Reports become
// records in the platform's origin log; Flush hands each platform's new
// records, as one batch, to Model::ApplyBatch of every model in its network.
// Transport, signatures and storage are left out. Not thread-safe.
// SimExtras are who else takes part: a brand (its GS1 company prefix; ""
// for none), which every network's members hear, and a customs observer,
// which hears network 0 and the brand and publishes nothing.
struct SimExtras {
  std::string brand_prefix;
  bool customs = false;
};

class SimPlatforms {
 public:
  // Platform p is "platform-PP"; every member of a network trusts the
  // others fully, and the brand. The clock starts at `start_day`. The
  // members' roles come from a real signed roster.
  SimPlatforms(int platforms, int members, const ModelOptions& options, NetworkKeys keys,
               uint32_t start_day, const SimExtras& extras = {});
  // customs is the observer's index, for Check (-1 without one).
  int customs() const { return customs_; }

  const std::string& id(int platform) const { return platforms_[platform].id; }
  // NextDay moves the shared clock one day on.
  void NextDay() { clock_.micros += 86'400'000'000LL; }
  // RotateKey starts network key epoch N+1 on every platform (a key derived
  // from the last, so runs stay reproducible): reports are digested under
  // it from now on, checks look under every live epoch, as nodes do.
  void RotateKey();

  // Check asks platform `platform`'s model about `subjects`.
  [[nodiscard]] absl::StatusOr<v1::CheckResponse> Check(int platform,
                                                        const v1::Subjects& subjects) const;
  // File appends the records of a report (weight 1, ttl 365 days, dated
  // today) to the platform's pending batch.
  [[nodiscard]] absl::Status File(int platform, const v1::Subjects& subjects, v1::SignalKind kind);
  // FileLifecycle has the brand report `kind` about `gtin` (and `serials`).
  [[nodiscard]] absl::Status FileLifecycle(v1::SignalKind kind, const std::string& gtin,
                                           const std::vector<std::string>& serials);
  // Flush hands every pending batch to the models of its network (the
  // brand's to every model).
  [[nodiscard]] absl::Status Flush();

  // Records filed so far, all platforms.
  uint64_t records() const { return records_; }

 private:
  struct SimClock : Clock {
    explicit SimClock(uint32_t day) : micros(int64_t{day} * 86'400'000'000LL) {}
    int64_t NowMicros() const override { return micros; }
    int64_t micros;
  };
  struct Platform {
    std::string id;
    int network = 0;  // -1: the brand, heard by every network
    std::unique_ptr<Model> model;
    uint64_t seq = 0;
    v1::BatchBody pending;
  };

  // Digest digests a report's `subjects` under the newest epoch.
  absl::StatusOr<std::vector<SubjectDigest>> Digest(const v1::Subjects& subjects) const;

  SimClock clock_;
  Digester digester_;
  std::vector<Platform> platforms_;  // the platforms, then customs and the brand
  int customs_ = -1;
  int brand_ = -1;
  uint64_t records_ = 0;
};

}  // namespace authnet::bench
