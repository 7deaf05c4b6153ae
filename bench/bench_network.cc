#include "bench/bench_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/bundle/admin_dir.h"
#include "node/bundle/file_names.h"
#include "node/bundle/secure_file.h"
#include "node/write/report_writer.h"
#include "spdlog/sinks/null_sink.h"

namespace authnet::bench {

absl::StatusOr<std::unique_ptr<BenchDir>> BenchDir::Create() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/authnet-bench-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a temporary directory ", pattern, "; set TMPDIR"));
  }
  return std::unique_ptr<BenchDir>(new BenchDir(pattern));
}

BenchDir::~BenchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int PickLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) {
    ::close(fd);
  }
  return port;
}

RecordMaker RandomRecords(uint64_t salt, uint32_t today) {
  return [salt, today](uint64_t seq, v1::Record* r) {
    // splitmix64 over (salt, seq): cheap, deterministic, spread.
    uint64_t x = salt * 0x9e3779b97f4a7c15ULL + seq;
    std::string digest(32, '\0');
    for (int i = 0; i < 4; ++i) {
      uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      z ^= z >> 31;
      std::memcpy(digest.data() + 8 * i, &z, 8);
    }
    r->set_digest(std::move(digest));
    r->set_key_epoch(1);
    r->set_subject_type(seq % 3 == 0 ? v1::SUBJECT_TYPE_SELLER : v1::SUBJECT_TYPE_UNIT);
    r->set_kind(seq % 3 == 0 ? v1::SIGNAL_KIND_VERIFICATION_PASSED : v1::SIGNAL_KIND_UNIT_SOLD);
    r->set_weight_milli(1000);
    r->set_day(today - static_cast<uint32_t>(seq % 180));
    r->set_ttl_days(365);
  };
}

absl::StatusOr<std::unique_ptr<BenchNetwork>> BenchNetwork::Create(
    int members, const std::vector<MemberProfile>& profiles) {
  std::unique_ptr<BenchNetwork> net(new BenchNetwork());
  absl::StatusOr<std::unique_ptr<BenchDir>> dir = BenchDir::Create();
  if (!dir.ok()) {
    return dir.status();
  }
  net->dir_ = *std::move(dir);
  absl::StatusOr<AdminDir> admin = AdminDir::Init(net->dir() / "admin", net->network_);
  if (!admin.ok()) {
    return admin.status();
  }
  for (int i = 0; i < members; ++i) {
    Member m;
    m.id = absl::StrFormat("m%03d", i);
    std::string endpoint = absl::StrCat("127.0.0.1:", PickLoopbackPort());
    m.options.bundle_dir = net->dir() / m.id;
    if (absl::StatusOr<Publication> added = admin->AddMember(
            m.id, endpoint, i < static_cast<int>(profiles.size()) ? profiles[i] : MemberProfile{},
            m.options.bundle_dir);
        !added.ok()) {
      return added.status();
    }
    m.options.data_dir = net->dir() / (m.id + "-data");
    m.options.peer_listen = endpoint;
    m.options.api_listen = "127.0.0.1:0";
    m.options.peer_links.min_backoff = std::chrono::milliseconds(20);
    m.options.peer_links.max_backoff = std::chrono::milliseconds(200);
    // The benchmarks measure what a node can do, not its per-client limits:
    // every bench caller is one client (127.0.0.1), which the default api
    // limit (50,000 checks or reported subjects a second) would throttle.
    m.options.limits.api.rate.per_second = 0;
    net->members_.push_back(std::move(m));
  }
  // Every bundle holds the roster of its own enrolment; start every node
  // with the final one, which lists all members.
  for (const Member& m : net->members_) {
    std::error_code ec;
    std::filesystem::copy_file(net->dir() / "admin" / kRosterFile,
                               m.options.bundle_dir / kRosterFile,
                               std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("copying the roster into ", m.id, "'s bundle: ", ec.message()));
    }
  }
  return net;
}

BenchNetwork::~BenchNetwork() {
  for (int i = 0; i < size(); ++i) {
    Stop(i);
  }
}

absl::Status BenchNetwork::RotateKeys(int times) {
  absl::StatusOr<AdminDir> admin = AdminDir::Open(dir() / "admin");
  if (!admin.ok()) {
    return admin.status();
  }
  for (int i = 0; i < times; ++i) {
    if (absl::StatusOr<Publication> p = admin->RotateKey(); !p.ok()) {
      return p.status();
    }
  }
  std::string roster = admin->roster().signed_roster().SerializeAsString();
  for (Member& m : members_) {
    if (absl::Status st =
            WriteFileAtomically(m.options.bundle_dir / "roster.pb", roster, kPublicFileMode);
        !st.ok()) {
      return st;
    }
    m.bundle.reset();
  }
  return absl::OkStatus();
}

absl::StatusOr<const MemberBundle*> BenchNetwork::bundle(int i) {
  Member& m = members_[i];
  if (m.bundle == nullptr) {
    absl::StatusOr<MemberBundle> b = MemberBundle::Load(m.options.bundle_dir);
    if (!b.ok()) {
      return b.status();
    }
    m.bundle = std::make_unique<MemberBundle>(*std::move(b));
  }
  return m.bundle.get();
}

absl::StatusOr<std::vector<StoredBatch>> BenchNetwork::SignBatches(int origin, uint64_t first_seq,
                                                                   uint64_t count,
                                                                   uint64_t batch_records,
                                                                   const RecordMaker& make) {
  absl::StatusOr<const MemberBundle*> b = bundle(origin);
  if (!b.ok()) {
    return b.status();
  }
  std::vector<StoredBatch> out;
  for (uint64_t seq = first_seq; seq < first_seq + count;) {
    uint64_t last = std::min(first_seq + count, seq + batch_records) - 1;
    v1::BatchBody body;
    body.set_network(network_);
    body.set_origin(id(origin));
    body.set_first_seq(seq);
    body.set_last_seq(last);
    for (; seq <= last; ++seq) {
      v1::Record* r = body.add_records();
      make(seq, r);
      r->set_seq(seq);
    }
    absl::StatusOr<StoredBatch> signed_batch = SignBatch(body, (*b)->signing_key());
    if (!signed_batch.ok()) {
      return signed_batch.status();
    }
    out.push_back(*std::move(signed_batch));
  }
  return out;
}

absl::Status BenchNetwork::Preload(int into, const std::vector<StoredBatch>& batches) {
  const NodeOptions& o = members_[into].options;
  absl::StatusOr<std::unique_ptr<LogStore>> store =
      LogStore::Open(StoreLocation{o.data_dir, o.store_url, "bench-preload"}, network_, id(into));
  if (!store.ok()) {
    return store.status();
  }
  // PostgreSQL takes batches as one statement's parameters: fewer at once.
  const size_t kPerCommit = o.store_url.empty() ? 256 : 8;
  for (size_t i = 0; i < batches.size(); i += kPerCommit) {
    std::vector<StoredBatch> part(batches.begin() + i,
                                  batches.begin() + std::min(batches.size(), i + kPerCommit));
    if (absl::Status st = (*store)->Commit(part, {}); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

absl::Status BenchNetwork::Start(int i) {
  Member& m = members_[i];
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(m.options, clock_, std::make_shared<spdlog::sinks::null_sink_mt>());
  if (!node.ok()) {
    return absl::Status(node.status().code(),
                        absl::StrCat("starting node ", m.id, ": ", node.status().message()));
  }
  m.node = *std::move(node);
  return absl::OkStatus();
}

std::string BenchNetwork::api_target(int i) const {
  return absl::StrCat("127.0.0.1:", members_[i].node->api_port());
}

void BenchNetwork::Stop(int i) {
  Member& m = members_[i];
  if (m.node != nullptr) {
    m.node->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    m.node.reset();
  }
}

}  // namespace authnet::bench
