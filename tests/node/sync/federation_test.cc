// Federation integration tests: several real nodes in one process, each with
// its own bundle, data dir and listeners, talking mutual TLS over loopback.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "authnet/client.h"
#include "authnet/v1/admin.grpc.pb.h"
#include "authnet/v1/peer.grpc.pb.h"
#include "node/bundle/admin_dir.h"
#include "node/crypto/ed25519_key.h"
#include "node/daemon/node.h"
#include "spdlog/sinks/null_sink.h"
#include "spdlog/sinks/ringbuffer_sink.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/ports.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

constexpr char kGtin[] = "4006381333931";

// WaitFor polls `done` every 50 ms for up to `timeout`.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class FederationTest : public ::testing::Test {
 protected:
  struct Member {
    std::string id;
    NodeOptions options;
    std::unique_ptr<Node> node;
    std::unique_ptr<Client> client;
    // Where the node's log goes (default: nowhere, or stderr with
    // AUTHNET_TEST_LOG=1).
    std::shared_ptr<spdlog::sinks::sink> log;
  };

  FederationTest() : clock_(20400) {}

  // Enroll makes `n` members mb0..mb(n-1), each with a peer port picked now;
  // member i gets profiles[i] where given (default: a platform of trust 1).
  void Enroll(int n, const std::vector<MemberProfile>& profiles = {}) {
    auto admin = AdminDir::Init(dir_.path() / "admin", "fednet");
    ASSERT_TRUE(admin.ok()) << admin.status();
    for (int i = 0; i < n; ++i) {
      Member m;
      m.id = "mb" + std::to_string(i);
      std::string endpoint = "127.0.0.1:" + std::to_string(testing::PickUnusedPort());
      const MemberProfile profile =
          i < static_cast<int>(profiles.size()) ? profiles[i] : MemberProfile{1.0};
      ASSERT_TRUE(admin->AddMember(m.id, endpoint, profile, dir_.path() / m.id).ok());
      m.options.bundle_dir = dir_.path() / m.id;
      m.options.data_dir = dir_.path() / (m.id + "-data");
      m.options.api_listen = "unix:" + (dir_.path() / (m.id + ".sock")).string();
      m.options.peer_listen = endpoint;
      m.options.peer_links.min_backoff = std::chrono::milliseconds(50);
      m.options.peer_links.max_backoff = std::chrono::milliseconds(500);
      members_.push_back(std::move(m));
    }
  }

  // Chain makes member i dial its neighbours i-1 and i+1.
  void Chain() {
    for (size_t i = 0; i < members_.size(); ++i) {
      for (size_t j : {i - 1, i + 1}) {
        if (j < members_.size()) {
          members_[i].options.peers.push_back(members_[j].options.peer_listen);
        }
      }
    }
  }

  void Start(size_t i) {
    Member& m = members_[i];
    // AUTHNET_TEST_LOG=1 shows the nodes' logs when a test needs debugging.
    std::shared_ptr<spdlog::sinks::sink> sink = m.log;
    if (sink != nullptr) {
    } else if (std::getenv("AUTHNET_TEST_LOG") != nullptr) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::null_sink_mt>();
    }
    auto node = Node::Create(m.options, clock_, sink);
    ASSERT_TRUE(node.ok()) << node.status();
    m.node = *std::move(node);
    ClientOptions copts;
    copts.target = m.options.api_listen;
    copts.deadline = std::chrono::seconds(5);
    m.client = *Client::Create(copts);
  }

  void StartAll() {
    for (size_t i = 0; i < members_.size(); ++i) {
      Start(i);
    }
  }

  void Stop(size_t i) {
    members_[i].client.reset();
    members_[i].node.reset();
  }

  v1::StatusResponse Status(size_t i) {
    auto stub = v1::AdminService::NewStub(
        grpc::CreateChannel(members_[i].options.api_listen, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::StatusResponse resp;
    grpc::Status st = stub->Status(&ctx, v1::StatusRequest(), &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  // PushRoster hands node `i` the admin directory's current roster.
  v1::PushRosterResponse PushRoster(size_t i) {
    auto admin = AdminDir::Open(dir_.path() / "admin");
    EXPECT_TRUE(admin.ok()) << admin.status();
    auto stub = v1::AdminService::NewStub(
        grpc::CreateChannel(members_[i].options.api_listen, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::PushRosterRequest req;
    *req.mutable_roster() = admin->roster().signed_roster();
    v1::PushRosterResponse resp;
    grpc::Status st = stub->PushRoster(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  void Report(size_t i, const std::string& serial) {
    auto r = members_[i].client->Report({.gtin = kGtin, .serial = serial},
                                        SignalKind::kCounterfeitConfirmed);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  Decision Check(size_t i, const std::string& serial) {
    auto r = members_[i].client->Check({.gtin = kGtin, .serial = serial});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->decision : Decision::kAllow;
  }

  // Converged: every running node holds `records` records and all agree on
  // the model fingerprint.
  bool Converged(uint64_t records) {
    std::string fingerprint;
    for (size_t i = 0; i < members_.size(); ++i) {
      if (members_[i].node == nullptr) {
        continue;
      }
      v1::StatusResponse s = Status(i);
      if (s.records() != records) {
        return false;
      }
      if (!fingerprint.empty() && s.model_fingerprint() != fingerprint) {
        return false;
      }
      fingerprint = s.model_fingerprint();
    }
    return true;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  std::vector<Member> members_;
};

TEST_F(FederationTest, FiveNodeChainConvergesAndTwoMembersDenyAtTheFarEnd) {
  Enroll(5);
  Chain();
  StartAll();
  Report(0, "CHAIN-1");
  ASSERT_TRUE(WaitFor([&] { return Converged(1); }, std::chrono::seconds(20)));
  // One member's report alone: review elsewhere, never deny.
  EXPECT_EQ(Check(4, "CHAIN-1"), Decision::kReview);
  EXPECT_EQ(Check(0, "CHAIN-1"), Decision::kDeny);  // its own evidence
  Report(1, "CHAIN-1");
  ASSERT_TRUE(WaitFor([&] { return Converged(2); }, std::chrono::seconds(20)));
  EXPECT_EQ(Check(4, "CHAIN-1"), Decision::kDeny);
  EXPECT_EQ(Check(4, "CHAIN-2"), Decision::kAllow);

  v1::StatusResponse s = Status(2);
  EXPECT_EQ(s.version_vector().at("mb0"), 1u);
  EXPECT_EQ(s.version_vector().at("mb1"), 1u);
  ASSERT_EQ(s.peers_size(), 2);
  for (const v1::PeerStatus& p : s.peers()) {
    EXPECT_TRUE(p.connected()) << p.member();
    EXPECT_TRUE(p.member() == "mb1" || p.member() == "mb3") << p.member();
  }
}

// A network key rotation mid-run: evidence from before it still counts
// (checks look under every live epoch), reports after it use the new epoch,
// one member's report before and another's after add up to a deny, and the
// nodes converge to one fingerprint.
TEST_F(FederationTest, KeyRotationKeepsOldEvidenceAndConverges) {
  Enroll(3);
  Chain();
  StartAll();
  Report(0, "ROT-1");
  Report(1, "ROT-1");
  ASSERT_TRUE(WaitFor([&] { return Converged(2); }, std::chrono::seconds(20)));
  EXPECT_EQ(Check(2, "ROT-1"), Decision::kDeny);
  Report(0, "ROT-2");  // epoch 1: one member, review
  ASSERT_TRUE(WaitFor([&] { return Converged(3); }, std::chrono::seconds(20)));
  EXPECT_EQ(Status(2).key_epoch(), 1u);

  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok());
  absl::StatusOr<Publication> rotated = admin->RotateKey();
  ASSERT_TRUE(rotated.ok() && rotated->complete) << rotated.status();
  EXPECT_TRUE(PushRoster(1).adopted());
  ASSERT_TRUE(WaitFor(
      [&] {
        for (size_t i = 0; i < 3; ++i) {
          if (Status(i).key_epoch() != 2) {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(10)));
  v1::StatusResponse s = Status(2);
  EXPECT_EQ(std::vector<uint32_t>(s.live_key_epochs().begin(), s.live_key_epochs().end()),
            (std::vector<uint32_t>{1, 2}));
  // Evidence under epoch 1 still decides.
  EXPECT_EQ(Check(2, "ROT-1"), Decision::kDeny);
  EXPECT_EQ(Check(2, "ROT-2"), Decision::kReview);
  // A second member's report under epoch 2 joins the first's under epoch 1.
  Report(1, "ROT-2");
  ASSERT_TRUE(WaitFor([&] { return Converged(4); }, std::chrono::seconds(20)));
  EXPECT_EQ(Check(2, "ROT-2"), Decision::kDeny);
  EXPECT_EQ(Check(0, "ROT-2"), Decision::kDeny);
  EXPECT_EQ(Check(2, "ROT-3"), Decision::kAllow);
}

// A sync round on a live connection: the periodic re-check of a node that
// holds everything is one call (the Subscribe stream's digest event); a node
// that lags is told which origins moved and pulls just those.
TEST_F(FederationTest, IdleRecheckIsOneCallAndLaggingOriginsArePulled) {
  Enroll(3);
  Chain();  // mb1 dials mb0 and mb2
  struct Rounds {
    absl::Mutex mu;
    std::vector<SyncRoundStats> done;
  };
  auto rounds = std::make_shared<Rounds>();
  PeerLinkOptions& links = members_[1].options.peer_links;
  links.resync_period = std::chrono::milliseconds(150);
  links.on_round_end = [rounds](const SyncRoundStats& s) {
    absl::MutexLock lock(&rounds->mu);
    rounds->done.push_back(s);
  };
  auto count = [&] {
    absl::MutexLock lock(&rounds->mu);
    return rounds->done.size();
  };
  StartAll();
  Report(0, "ROUND-1");
  Report(2, "ROUND-2");
  ASSERT_TRUE(WaitFor([&] { return Converged(2); }, std::chrono::seconds(20)));
  size_t settled = count();
  ASSERT_TRUE(WaitFor([&] { return count() >= settled + 4; }, std::chrono::seconds(20)));
  {
    absl::MutexLock lock(&rounds->mu);
    // Two links, re-checking on their own connections: the later rounds
    // are one call each and move nothing.
    for (size_t i = settled + 2; i < rounds->done.size(); ++i) {
      EXPECT_EQ(rounds->done[i].calls, 1) << "round " << i;
      EXPECT_EQ(rounds->done[i].batches, 0u) << "round " << i;
    }
  }
  // New records while connected arrive through the event's moved origins.
  Report(0, "ROUND-3");
  ASSERT_TRUE(WaitFor([&] { return Converged(3); }, std::chrono::seconds(20)));
}

TEST_F(FederationTest, ARetractionUndoesItsRecordOnEveryNode) {
  Enroll(3);
  Chain();
  StartAll();
  Report(0, "OOPS-1");
  auto mistaken = members_[1].client->Report({.gtin = kGtin, .serial = "OOPS-1"},
                                             SignalKind::kCounterfeitConfirmed);
  ASSERT_TRUE(mistaken.ok()) << mistaken.status();
  ASSERT_TRUE(WaitFor([&] { return Converged(2); }, std::chrono::seconds(20)));
  EXPECT_EQ(Check(2, "OOPS-1"), Decision::kDeny);
  // Member 1 finds its inspection was wrong and retracts.
  auto retracted = members_[1].client->Retract(mistaken->seq);
  ASSERT_TRUE(retracted.ok()) << retracted.status();
  ASSERT_TRUE(WaitFor([&] { return Converged(3); }, std::chrono::seconds(20)));
  // One member's evidence is left: review at the far end, deny only at home.
  EXPECT_EQ(Check(2, "OOPS-1"), Decision::kReview);
  EXPECT_EQ(Check(1, "OOPS-1"), Decision::kReview);
  EXPECT_EQ(Check(0, "OOPS-1"), Decision::kDeny);
}

TEST_F(FederationTest, StoppedNodeCatchesUpAfterRestart) {
  Enroll(3);
  Chain();
  StartAll();
  Stop(2);
  Report(0, "LATE-1");
  Report(1, "LATE-2");
  ASSERT_TRUE(WaitFor([&] { return Converged(2); }, std::chrono::seconds(20)));
  Start(2);
  ASSERT_TRUE(WaitFor([&] { return Converged(2); }, std::chrono::seconds(20)));
  EXPECT_EQ(Status(2).version_vector().at("mb0"), 1u);
}

TEST_F(FederationTest, PartitionHeals) {
  Enroll(3);
  Chain();
  StartAll();
  Stop(1);  // m0 and m2 are now cut off from each other
  Report(0, "SPLIT-1");
  Report(2, "SPLIT-1");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Status(0).records(), 1u);
  EXPECT_EQ(Status(2).records(), 1u);
  EXPECT_EQ(Check(0, "SPLIT-1"), Decision::kDeny);  // local evidence only
  Start(1);
  ASSERT_TRUE(WaitFor([&] { return Converged(2); }, std::chrono::seconds(20)));
  EXPECT_EQ(Check(1, "SPLIT-1"), Decision::kDeny);  // two members, learned via the heal
}

TEST_F(FederationTest, RevokedMemberIsDroppedRefusedAndStopsCounting) {
  Enroll(3);
  // Full mesh: everyone dials everyone.
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j < 3; ++j) {
      if (i != j) {
        members_[i].options.peers.push_back(members_[j].options.peer_listen);
      }
    }
  }
  StartAll();
  Report(2, "REVOKE-1");
  ASSERT_TRUE(WaitFor([&] { return Converged(1); }, std::chrono::seconds(20)));
  EXPECT_EQ(Check(0, "REVOKE-1"), Decision::kReview);

  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(admin->RevokeMember("mb2", /*rotate=*/true)->has_value());
  EXPECT_TRUE(PushRoster(0).adopted());
  uint64_t version = admin->roster().version();
  // Within 5 seconds every node holds the new roster and no longer talks to m2.
  ASSERT_TRUE(WaitFor(
      [&] {
        for (size_t i : {0, 1}) {
          v1::StatusResponse s = Status(i);
          if (s.roster_version() != version) {
            return false;
          }
          for (const v1::PeerStatus& p : s.peers()) {
            if (p.member() == "mb2" && p.connected()) {
              return false;
            }
          }
        }
        return true;
      },
      std::chrono::seconds(5)));
  // Its records stop counting everywhere at once.
  EXPECT_EQ(Check(0, "REVOKE-1"), Decision::kAllow);
  EXPECT_EQ(Check(1, "REVOKE-1"), Decision::kAllow);
  // Its new reports reach no one.
  Report(2, "REVOKE-2");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Status(0).version_vector().at("mb2"), 1u);
  EXPECT_EQ(Status(1).version_vector().at("mb2"), 1u);
  // Pushing a version the node already holds changes nothing.
  v1::PushRosterResponse again = PushRoster(1);
  EXPECT_FALSE(again.adopted());
  EXPECT_EQ(again.version(), version);
}

TEST_F(FederationTest, AdoptedRosterSurvivesARestart) {
  Enroll(2);
  StartAll();
  auto admin = AdminDir::Open(dir_.path() / "admin");
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(admin->AddMember("late", "127.0.0.1:9", {1.0}, dir_.path() / "late").ok());
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel(members_[0].options.api_listen, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  v1::PushRosterRequest req;
  *req.mutable_roster() = admin->roster().signed_roster();
  v1::PushRosterResponse resp;
  ASSERT_TRUE(stub->PushRoster(&ctx, req, &resp).ok());
  ASSERT_TRUE(resp.adopted());
  Stop(0);
  Start(0);
  EXPECT_EQ(Status(0).roster_version(), admin->roster().version());

  // A roster signed by someone else is refused and changes nothing.
  v1::PushRosterRequest forged = req;
  std::string sig = forged.roster().signatures(0).signature();
  sig[0] ^= 1;
  forged.mutable_roster()->mutable_signatures(0)->set_signature(sig);
  auto stub0 = v1::AdminService::NewStub(
      grpc::CreateChannel(members_[0].options.api_listen, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx2;
  grpc::Status st = stub0->PushRoster(&ctx2, forged, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// SignAs signs `body` with the record-signing key in `bundle`.
v1::SignedBatch SignAs(const std::filesystem::path& bundle, const v1::BatchBody& body) {
  auto key = crypto::Ed25519Key::FromPem(ReadFile(bundle / "signing.key"));
  EXPECT_TRUE(key.ok()) << key.status();
  v1::SignedBatch batch;
  batch.set_body(body.SerializeAsString());
  batch.set_signature(*key->Sign(std::string("authnet/v1/batch\0", 17) + batch.body()));
  return batch;
}

// ABatch is a one-record batch of `origin` (seq 1, key epoch 1) of `kind`.
v1::BatchBody ABatch(const std::string& origin, v1::SignalKind kind, v1::SubjectType type) {
  v1::BatchBody body;
  body.set_network("fednet");
  body.set_origin(origin);
  body.set_first_seq(1);
  body.set_last_seq(1);
  v1::Record* r = body.add_records();
  r->set_seq(1);
  r->set_digest(std::string(32, 'f'));
  r->set_key_epoch(1);
  r->set_subject_type(type);
  r->set_kind(kind);
  r->set_weight_milli(1000);
  r->set_ttl_days(365);
  return body;
}

// RoguePeer is a member's node that lies: with a valid certificate, it
// serves the batches it is given (forged, tampered, or of kinds its role
// does not allow) and announces `heads`, plus `made_up_origins` origins no
// roster lists, each claiming much.
class RoguePeer final : public v1::PeerService::Service {
 public:
  RoguePeer(std::vector<v1::SignedBatch> batches, std::map<std::string, uint64_t> heads,
            int made_up_origins = 0)
      : batches_(std::move(batches)), heads_(std::move(heads)), made_up_(made_up_origins) {}
  grpc::Status GetRoster(grpc::ServerContext*, const v1::GetRosterRequest*,
                         v1::GetRosterResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status Pull(grpc::ServerContext*, const v1::PullRequest*, v1::PullResponse* resp) override {
    for (const v1::SignedBatch& b : batches_) {
      *resp->add_batches() = b;
    }
    return grpc::Status::OK;
  }
  grpc::Status Subscribe(grpc::ServerContext* ctx, const v1::SubscribeRequest*,
                         grpc::ServerWriter<v1::SyncEvent>* writer) override {
    v1::SyncEvent event;
    event.mutable_heads()->insert(heads_.begin(), heads_.end());
    for (int i = 0; i < made_up_; ++i) {
      (*event.mutable_heads())["fake-" + std::to_string(i)] = 1'000'000;
    }
    writer->Write(event);
    while (!ctx->IsCancelled()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return grpc::Status::OK;
  }

 private:
  std::vector<v1::SignedBatch> batches_;
  std::map<std::string, uint64_t> heads_;
  int made_up_;
};

// ServeAs starts `service` on a loopback port with the TLS identity in
// `bundle`; *port is the port it bound.
std::unique_ptr<grpc::Server> ServeAs(const std::filesystem::path& bundle, RoguePeer* service,
                                      int* port) {
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = ReadFile(bundle / "ca.crt");
  tls.pem_key_cert_pairs.push_back({ReadFile(bundle / "node.key"), ReadFile(bundle / "node.crt")});
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls), port);
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

TEST_F(FederationTest, ForgedBatchesFromAMemberAreRefusedAndNothingIsStored) {
  Enroll(3);  // mb0 the victim, mb1 the rogue, mb2 an honest member it smears
  auto log = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  members_[0].log = log;
  Start(0);
  ASSERT_TRUE(PushRoster(0).adopted());  // mb0 learns of mb1
  // mb1 is the rogue: it forges a batch "from mb2", signed with its own key,
  const std::filesystem::path rogue = members_[1].options.bundle_dir;
  v1::BatchBody body = ABatch("mb2", v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, v1::SUBJECT_TYPE_UNIT);
  v1::SignedBatch forged = SignAs(rogue, body);
  // and a batch of its own, altered after signing.
  body.set_origin("mb1");
  v1::SignedBatch tampered = SignAs(rogue, body);
  body.mutable_records(0)->set_weight_milli(999);
  tampered.set_body(body.SerializeAsString());

  // It claims more of mb0 than mb0 holds, and 50,000 origins no roster
  // lists: they must neither grow the victim's memory nor its lag metric.
  RoguePeer service({forged, tampered}, {{"mb0", 5}}, 50'000);
  int port = 0;
  std::unique_ptr<grpc::Server> server = ServeAs(rogue, &service, &port);
  ASSERT_NE(server, nullptr);

  members_[0].node->AddPeer("127.0.0.1:" + std::to_string(port));
  // The victim connects (the rogue is a member in good standing) ...
  ASSERT_TRUE(WaitFor(
      [&] {
        v1::StatusResponse s = Status(0);
        for (const v1::PeerStatus& p : s.peers()) {
          if (p.member() == "mb1" && p.connected()) {
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // ... but stores nothing it was sent,
  v1::StatusResponse s = Status(0);
  EXPECT_EQ(s.records(), 0u);
  EXPECT_EQ(s.version_vector_size(), 0);
  // counts only roster members in the peer's lag,
  for (const v1::PeerStatus& p : s.peers()) {
    if (p.member() == "mb1") {
      EXPECT_EQ(p.lag_records(), 5u);  // its claim about mb0, the made-up origins ignored
    }
  }
  // and logs the refusals without repeating the forger's claims: no line
  // names mb2, whom the forged batch pretends to come from.
  std::vector<std::string> lines = log->last_formatted();
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("refused a batch from peer mb1") != std::string::npos;
  }));
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find("mb2"), std::string::npos) << line;
  }
  Stop(0);
  server->Shutdown(std::chrono::system_clock::now());
}

// RefusedForRole reads authnet_batches_refused_total{reason="role"} off `node`.
uint64_t RefusedForRole(const Node& node) {
  const std::string page = node.metrics().Render();
  const std::string series = "authnet_batches_refused_total{reason=\"role\"} ";
  size_t at = page.find(series);
  return at == std::string::npos ? 0 : std::stoull(page.substr(at + series.size()));
}

// Members whose roles forbid what they send, each with a valid certificate
// and a batch its own key signed: a platform's lifecycle record and an
// observer's report. The receiving node stores neither, counts each
// refusal under reason "role", and says why in its log.
TEST_F(FederationTest, BatchesTheirRolesForbidAreRefusedCountedAndNotStored) {
  Enroll(3, {MemberProfile{1.0}, MemberProfile{1.0},
             MemberProfile{1.0, v1::MEMBER_ROLE_OBSERVER, {}}});
  auto log = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  members_[0].log = log;
  Start(0);
  ASSERT_TRUE(PushRoster(0).adopted());  // mb0 learns of mb1 and mb2
  EXPECT_EQ(RefusedForRole(*members_[0].node), 0u);

  // mb1, a platform, declares a GTIN serialized (a brand's record).
  v1::BatchBody lifecycle = ABatch("mb1", v1::SIGNAL_KIND_GTIN_SERIALIZED, v1::SUBJECT_TYPE_GTIN);
  lifecycle.mutable_records(0)->set_prefix_digest(std::string(32, 'p'));
  RoguePeer platform({SignAs(members_[1].options.bundle_dir, lifecycle)}, {{"mb1", 1}});
  // mb2, an observer, reports a counterfeit.
  RoguePeer observer(
      {SignAs(members_[2].options.bundle_dir,
              ABatch("mb2", v1::SIGNAL_KIND_COUNTERFEIT_CONFIRMED, v1::SUBJECT_TYPE_UNIT))},
      {{"mb2", 1}});
  int platform_port = 0;
  int observer_port = 0;
  std::unique_ptr<grpc::Server> platform_server =
      ServeAs(members_[1].options.bundle_dir, &platform, &platform_port);
  std::unique_ptr<grpc::Server> observer_server =
      ServeAs(members_[2].options.bundle_dir, &observer, &observer_port);
  ASSERT_NE(platform_server, nullptr);
  ASSERT_NE(observer_server, nullptr);
  members_[0].node->AddPeer("127.0.0.1:" + std::to_string(platform_port));
  members_[0].node->AddPeer("127.0.0.1:" + std::to_string(observer_port));

  auto lines = [&] {
    std::string all;
    for (const spdlog::details::log_msg_buffer& m : log->last_raw()) {
      all.append(m.payload.data(), m.payload.size()).append("\n");
    }
    return all;
  };
  auto logged = [&](const std::string& text) { return lines().find(text) != std::string::npos; };
  ASSERT_TRUE(WaitFor(
      [&] {
        return logged("only brands report the lifecycle of units, and mb1 is a platform") &&
               logged("batch of mb2, an observer: observers publish nothing");
      },
      std::chrono::seconds(10)))
      << "no refusal logged for both batches; the log:\n"
      << lines();
  EXPECT_GE(RefusedForRole(*members_[0].node), 2u);
  v1::StatusResponse s = Status(0);
  EXPECT_EQ(s.records(), 0u);
  EXPECT_EQ(s.version_vector_size(), 0);
  EXPECT_EQ(members_[0].node->model().Units(), 0u);
  Stop(0);
  platform_server->Shutdown(std::chrono::system_clock::now());
  observer_server->Shutdown(std::chrono::system_clock::now());
}

}  // namespace
}  // namespace authnet
