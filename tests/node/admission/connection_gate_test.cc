#include "node/admission/connection_gate.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "spdlog/sinks/null_sink.h"
#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

using std::chrono::milliseconds;

// Served stands in for gRPC: it holds the connections the gate hands over,
// and ends one as gRPC does (shutdown, then close).
class Served {
 public:
  ~Served() {
    for (int fd : fds_) {
      ::close(fd);
    }
  }
  ConnectionGate::Handoff Handoff() {
    return [this](int fd) {
      std::lock_guard<std::mutex> lock(mu_);
      fds_.push_back(fd);
    };
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return fds_.size();
  }
  int at(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return fds_.at(i);
  }
  void EndAll() {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) {
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
    }
    fds_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<int> fds_;
};

int DialTcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

int DialUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

// ClosedByServer: the server side ended `fd` (EOF or reset) within 5 s.
bool ClosedByServer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) {
    return false;
  }
  char c;
  return ::recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

// Open: the server has not ended `fd` within 200 ms.
bool Open(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 200) == 0;
}

template <typename F>
bool WaitFor(F done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

class ConnectionGateTest : public ::testing::Test {
 protected:
  std::unique_ptr<ConnectionGate> Listen(const std::string& address, ConnectionLimits limits = {}) {
    absl::StatusOr<ListenAddress> a = ParseListenAddress("--test-listen", address);
    EXPECT_TRUE(a.ok()) << a.status();
    auto gate = ConnectionGate::Listen(*a, "--test-listen", "test", limits, &metrics_, log_,
                                       [this] { return now_.load(); });
    EXPECT_TRUE(gate.ok()) << gate.status();
    return gate.ok() ? *std::move(gate) : nullptr;
  }

  testing::TempDir dir_;
  MetricsRegistry metrics_;
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::atomic<int64_t> now_{1'000'000};
};

TEST_F(ConnectionGateTest, APortAnotherListenerHoldsIsRefusedNotShared) {
  std::unique_ptr<ConnectionGate> first = Listen("127.0.0.1:0");
  ASSERT_NE(first, nullptr);
  ASSERT_GT(first->port(), 0);
  absl::StatusOr<ListenAddress> same =
      ParseListenAddress("--peer-listen", "127.0.0.1:" + std::to_string(first->port()));
  auto second = ConnectionGate::Listen(*same, "--peer-listen", "peer", {}, nullptr, log_);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status()));
  EXPECT_EQ(second.status().message(),
            "--peer-listen: cannot listen on 127.0.0.1:" + std::to_string(first->port()) +
                ": the address is in use (another authnetd, or another program?)");
}

TEST_F(ConnectionGateTest, AUnixSocketInUseIsRefusedAndALeftOverOneReplaced) {
  std::string path = (dir_.path() / "api.sock").string();
  std::unique_ptr<ConnectionGate> first = Listen("unix:" + path);
  ASSERT_NE(first, nullptr);
  absl::StatusOr<ListenAddress> same = ParseListenAddress("--api-listen", "unix:" + path);
  auto second = ConnectionGate::Listen(*same, "--api-listen", "api", {}, nullptr, log_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("another process is listening on it"), std::string::npos)
      << second.status();

  // A socket file nobody listens on (a process that died) is replaced.
  int left_over = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string stale = (dir_.path() / "stale.sock").string();
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", stale.c_str());
  ASSERT_EQ(::bind(left_over, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(left_over);
  EXPECT_NE(Listen("unix:" + stale), nullptr);
}

// PeerOf is gRPC's name for the server side of `client`'s connection.
std::string PeerOf(int client) {
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  ::getsockname(client, reinterpret_cast<sockaddr*>(&local), &len);
  return "ipv4:127.0.0.1:" + std::to_string(ntohs(local.sin_port));
}

TEST_F(ConnectionGateTest, AHostOverItsLimitIsRefusedWhenAllItsConnectionsAreServed) {
  std::unique_ptr<ConnectionGate> gate = Listen("127.0.0.1:0", {.max_per_host = 2});
  Served served;
  gate->Start(served.Handoff());
  int a = DialTcp(gate->port());
  int b = DialTcp(gate->port());
  ASSERT_TRUE(WaitFor([&] { return served.size() == 2; }));
  gate->NoteServed(PeerOf(a));
  gate->NoteServed(PeerOf(b));
  int c = DialTcp(gate->port());
  EXPECT_TRUE(ClosedByServer(c));
  EXPECT_TRUE(Open(a));
  EXPECT_TRUE(Open(b));
  EXPECT_EQ(served.size(), 2u);
  EXPECT_NE(metrics_.Render().find(
                "authnet_connections_refused_total{listener=\"test\",reason=\"host_full\"} 1"),
            std::string::npos);
  // Connections gRPC ends are forgotten, which makes room again.
  served.EndAll();
  EXPECT_TRUE(WaitFor([&] { return gate->connections() == 0; }));
  int d = DialTcp(gate->port());
  EXPECT_TRUE(WaitFor([&] { return served.size() == 1; }));
  for (int fd : {a, b, c, d}) {
    ::close(fd);
  }
}

TEST_F(ConnectionGateTest, AFullListenerEvictsTheOldestConnectionNeverServed) {
  std::unique_ptr<ConnectionGate> gate = Listen("127.0.0.1:0", {.max_connections = 2});
  Served served;
  gate->Start(served.Handoff());
  int idle = DialTcp(gate->port());  // holds a slot, never makes a call
  ASSERT_TRUE(WaitFor([&] { return served.size() == 1; }));
  int busy = DialTcp(gate->port());
  ASSERT_TRUE(WaitFor([&] { return served.size() == 2; }));
  gate->NoteServed(PeerOf(busy));
  int late = DialTcp(gate->port());
  ASSERT_TRUE(WaitFor([&] { return served.size() == 3; }));  // admitted
  EXPECT_TRUE(ClosedByServer(idle));                         // in place of the idle one
  EXPECT_TRUE(Open(busy));
  EXPECT_EQ(gate->connections(), 2u);
  EXPECT_NE(metrics_.Render().find("authnet_connections_evicted_total{listener=\"test\"} 1"),
            std::string::npos);
  // With every connection served, a newcomer is refused instead.
  gate->NoteServed(PeerOf(late));
  int refused = DialTcp(gate->port());
  EXPECT_TRUE(ClosedByServer(refused));
  EXPECT_TRUE(Open(busy));
  EXPECT_TRUE(Open(late));
  for (int fd : {idle, busy, late, refused}) {
    ::close(fd);
  }
}

TEST_F(ConnectionGateTest, EachConnectionHasAnIdOfItsOwn) {
  std::unique_ptr<ConnectionGate> gate = Listen("127.0.0.1:0");
  Served served;
  gate->Start(served.Handoff());
  int a = DialTcp(gate->port());
  int b = DialTcp(gate->port());
  ASSERT_TRUE(WaitFor([&] { return served.size() == 2; }));
  uint64_t id_a = gate->IdOf(PeerOf(a));
  EXPECT_NE(id_a, 0u);
  EXPECT_NE(id_a, gate->IdOf(PeerOf(b)));
  EXPECT_EQ(gate->IdOf("ipv4:127.0.0.1:1"), 0u);
  ::close(a);
  ::close(b);
}

TEST_F(ConnectionGateTest, CloseAndBanCutsTheConnectionAndRefusesItsHostUntilTheBanEnds) {
  std::unique_ptr<ConnectionGate> gate = Listen("127.0.0.1:0", {.ban = std::chrono::seconds(60)});
  Served served;
  gate->Start(served.Handoff());
  int client = DialTcp(gate->port());
  ASSERT_TRUE(WaitFor([&] { return served.size() == 1; }));
  std::string peer = PeerOf(client);
  EXPECT_EQ(gate->ClientOf(peer), "127.0.0.1");

  // What the client sent and the server has not read yet is dropped with
  // the connection: gRPC would otherwise go on reading a queued flood.
  ASSERT_EQ(::send(client, "flood", 5, 0), 5);
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_TRUE(gate->CloseAndBan(peer));
  EXPECT_FALSE(gate->CloseAndBan(peer));  // once
  char buf[8];
  EXPECT_LE(::recv(served.at(0), buf, sizeof(buf), MSG_DONTWAIT), 0);
  EXPECT_TRUE(ClosedByServer(client));
  EXPECT_TRUE(WaitFor([&] { return gate->connections() == 0; }));

  int again = DialTcp(gate->port());
  EXPECT_TRUE(ClosedByServer(again));
  EXPECT_EQ(served.size(), 1u);
  now_ += 61'000'000;
  int later = DialTcp(gate->port());
  EXPECT_TRUE(WaitFor([&] { return served.size() == 2; }));
  EXPECT_TRUE(Open(later));
  for (int fd : {client, again, later}) {
    ::close(fd);
  }
}

TEST_F(ConnectionGateTest, AUnixSocketCallerIsNamedByItsUid) {
  std::string path = (dir_.path() / "api.sock").string();
  std::unique_ptr<ConnectionGate> gate = Listen("unix:" + path);
  std::atomic<int> handed{-1};
  gate->Start([&](int fd) { handed = fd; });
  int client = DialUnix(path);
  ASSERT_TRUE(WaitFor([&] { return handed.load() >= 0; }));
  // gRPC names a connection added from a descriptor "fd:N".
  EXPECT_EQ(gate->ClientOf("fd:" + std::to_string(handed.load())),
            "uid:" + std::to_string(::geteuid()));
  EXPECT_EQ(gate->ClientOf("fd:99999"), "");
  ::close(client);
  ::close(handed.load());
  gate->Stop();
  EXPECT_FALSE(std::filesystem::exists(path));  // its socket file is removed
}

TEST(PeerKeyTest, ReadsTheFormsGrpcNamesPeersBy) {
  EXPECT_EQ(PeerKey("ipv4:10.0.0.7:5501"), "10.0.0.7:5501");
  EXPECT_EQ(PeerKey("ipv4:10.0.0.7:5501", true), "10.0.0.7");
  EXPECT_EQ(PeerKey("ipv6:[::1]:5501"), "[::1]:5501");
  EXPECT_EQ(PeerKey("ipv6:%5B::1%5D:5501", true), "::1");
  EXPECT_EQ(PeerKey("fd:12"), "fd:12");
  EXPECT_EQ(PeerKey("fd:12", true), "");
  EXPECT_EQ(PeerKey("unix:/run/x.sock"), "");
}

}  // namespace
}  // namespace authnet
