#include "node/daemon/node_options.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.h"

namespace authnet {
namespace {

// The api listeners' TLS rules: off loopback, or on loopback with
// api_require_tls, they need the TLS files; a local listener refuses them.
class NodeOptionsTest : public ::testing::Test {
 protected:
  NodeOptionsTest() {
    options_.bundle_dir = dir_ / "bundle";
    options_.data_dir = dir_ / "data";
    options_.peer_listen = "127.0.0.1:7701";
    options_.api_listen = "127.0.0.1:7700";
    std::ofstream(dir_ / "api.crt") << "certificate";
    std::ofstream(dir_ / "api.key") << "key";
  }

  void GiveTlsFiles() {
    options_.api_tls_cert = dir_ / "api.crt";
    options_.api_tls_key = dir_ / "api.key";
  }

  // Error is ValidateNodeOptions' message, "" if it accepts the options.
  std::string Error() {
    absl::Status st = ValidateNodeOptions(options_);
    EXPECT_TRUE(st.ok() || absl::IsInvalidArgument(st)) << st;
    return std::string(st.message());
  }

  testing::TempDir dir_;
  NodeOptions options_;
};

TEST_F(NodeOptionsTest, ALoopbackListenerServesPlainTextAndRefusesTlsFiles) {
  EXPECT_EQ(Error(), "");
  EXPECT_FALSE(ApiServesTls(options_));
  GiveTlsFiles();
  EXPECT_NE(Error().find("give --api-require-tls to require TLS and tokens on loopback too"),
            std::string::npos)
      << Error();
}

TEST_F(NodeOptionsTest, RequireTlsServesTlsOnLoopbackWithTheFiles) {
  options_.api_require_tls = true;
  options_.http_listen = "127.0.0.1:8080";
  EXPECT_EQ(Error(),
            "--api-require-tls: the api listeners need a certificate: give --api-tls-cert and "
            "--api-tls-key (or [api] tls_cert and tls_key)");
  GiveTlsFiles();
  EXPECT_EQ(Error(), "");
  EXPECT_TRUE(ApiServesTls(options_));
  EXPECT_TRUE(HttpServesTls(options_));
  options_.api_tls_key = dir_ / "missing.key";
  EXPECT_EQ(Error().rfind("--api-tls-key: cannot read ", 0), 0u) << Error();
}

TEST_F(NodeOptionsTest, RequireTlsRefusesAUnixSocket) {
  options_.api_require_tls = true;
  options_.api_listen = "unix:" + (dir_ / "api.sock").string();
  GiveTlsFiles();
  EXPECT_EQ(Error().rfind("--api-require-tls: --api-listen is a unix socket", 0), 0u) << Error();
}

TEST_F(NodeOptionsTest, ANonLoopbackListenerNeedsTlsWithoutBeingAsked) {
  options_.http_listen = "0.0.0.0:8080";
  EXPECT_EQ(Error().rfind("--http-listen: '0.0.0.0:8080' is not a loopback address", 0), 0u)
      << Error();
  GiveTlsFiles();
  EXPECT_EQ(Error(), "");
  EXPECT_FALSE(ApiServesTls(options_));
  EXPECT_TRUE(HttpServesTls(options_));
  options_.http_listen.clear();
  options_.api_listen = "0.0.0.0:7700";
  EXPECT_EQ(Error(), "");
  EXPECT_TRUE(ApiServesTls(options_));
  EXPECT_FALSE(HttpServesTls(options_));
}

}  // namespace
}  // namespace authnet
