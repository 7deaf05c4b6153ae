#include "node/core/listen_address.h"

#include <gtest/gtest.h>

namespace authnet {
namespace {

TEST(ListenAddressTest, ParsesUnixSockets) {
  auto a = ParseListenAddress("--api-listen", "unix:/run/authnet/api.sock");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->is_unix);
  EXPECT_EQ(a->path, "/run/authnet/api.sock");
  EXPECT_TRUE(a->IsLoopback());
  EXPECT_EQ(a->GrpcUri(), "unix:/run/authnet/api.sock");
}

TEST(ListenAddressTest, ParsesHostsAndPorts) {
  auto v4 = ParseListenAddress("--peer-listen", "127.0.0.1:7701");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 7701);
  EXPECT_TRUE(v4->IsLoopback());

  auto v6 = ParseListenAddress("--peer-listen", "[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(v6->IsLoopback());
  EXPECT_EQ(v6->GrpcUri(), "[::1]:0");

  EXPECT_TRUE(ParseListenAddress("x", "localhost:1")->IsLoopback());
  EXPECT_TRUE(ParseListenAddress("x", "127.8.9.10:1")->IsLoopback());
  EXPECT_FALSE(ParseListenAddress("x", "0.0.0.0:1")->IsLoopback());
  EXPECT_FALSE(ParseListenAddress("x", "192.0.2.7:1")->IsLoopback());
  EXPECT_FALSE(ParseListenAddress("x", "[2001:db8::1]:1")->IsLoopback());
  EXPECT_FALSE(ParseListenAddress("x", "node.example:1")->IsLoopback());
}

TEST(ListenAddressTest, RejectsMalformedAddressesNamingTheFlag) {
  for (const char* bad :
       {"", "7701", "host:", "host:99999", "host:-1", "::1:80", "[::1:80", "unix:"}) {
    auto a = ParseListenAddress("--api-listen", bad);
    EXPECT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(a.status().message().rfind("--api-listen: ", 0), 0u) << a.status();
  }
}

}  // namespace
}  // namespace authnet
