#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/member_bundle.h"
#include "node/core/clock.h"
#include "node/daemon/node.h"
#include "node/store/log_store.h"

namespace authnet::bench {

// BenchDir is a fresh directory under TMPDIR (or /tmp), removed with
// everything in it when the object goes away.
class BenchDir {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BenchDir>> Create();
  ~BenchDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit BenchDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// RecordMaker fills the content of record `seq` of an origin (seq is set by
// the caller).
using RecordMaker = std::function<void(uint64_t seq, v1::Record* out)>;

// RandomRecord is a RecordMaker for sync benchmarks: a pseudo-random digest
// (a function of `salt` and seq), a sale or a passed verification dated
// within the last 180 days.
RecordMaker RandomRecords(uint64_t salt, uint32_t today);

// BenchNetwork is a throwaway network for benchmarks: an admin directory,
// one enrolled member bundle per member (m000, m001, ...) and in-process
// nodes started on demand, all in a BenchDir. Members' enrolled peer
// endpoints are loopback ports picked at enrolment.
class BenchNetwork {
 public:
  // `profiles[i]`, when given, is member i's role and prefixes (default: a
  // platform).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BenchNetwork>> Create(
      int members, const std::vector<MemberProfile>& profiles = {});
  ~BenchNetwork();

  int size() const { return static_cast<int>(members_.size()); }
  const std::string& id(int i) const { return members_[i].id; }
  const std::filesystem::path& dir() const { return dir_->path(); }
  const Clock& clock() const { return clock_; }
  const std::string& network() const { return network_; }
  // options(i) is what node i starts with: its bundle, a data dir, its
  // enrolled peer endpoint, an api listener on 127.0.0.1:0 and no peers.
  NodeOptions& options(int i) { return members_[i].options; }
  // bundle loads member i's bundle (its signing and network keys).
  [[nodiscard]] absl::StatusOr<const MemberBundle*> bundle(int i);

  // SignBatches cuts records first_seq..first_seq+count-1 of member
  // `origin` into batches of at most `batch_records`, signed by its key.
  [[nodiscard]] absl::StatusOr<std::vector<StoredBatch>> SignBatches(int origin, uint64_t first_seq,
                                                                     uint64_t count,
                                                                     uint64_t batch_records,
                                                                     const RecordMaker& make);
  // Preload commits `batches` into member `into`'s data dir (before its
  // node starts), in transactions of about `per_commit` batches.
  [[nodiscard]] absl::Status Preload(int into, const std::vector<StoredBatch>& batches);

  // RotateKeys starts `times` new network key epochs (network rotate-key)
  // and installs the roster sealing them into every member's bundle; call
  // before bundle() or Start().
  [[nodiscard]] absl::Status RotateKeys(int times);

  [[nodiscard]] absl::Status Start(int i);
  Node& node(int i) { return *members_[i].node; }
  bool running(int i) const { return members_[i].node != nullptr; }
  // api_target is the running node's api address, as the SDK dials it.
  std::string api_target(int i) const;
  void Stop(int i);

 private:
  struct Member {
    std::string id;
    NodeOptions options;
    std::unique_ptr<MemberBundle> bundle;
    std::unique_ptr<Node> node;
  };
  BenchNetwork() = default;

  std::unique_ptr<BenchDir> dir_;
  std::string network_ = "benchnet";
  SystemClock clock_;
  std::vector<Member> members_;
};

// PickLoopbackPort returns a free loopback TCP port (for enrolled endpoints,
// which must be known before a node starts).
int PickLoopbackPort();

}  // namespace authnet::bench
