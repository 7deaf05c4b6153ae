#include "node/core/build_info.h"

#include <google/protobuf/stubs/common.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <regex>

namespace authnet {
namespace {

TEST(BuildInfoTest, SaysTheReleaseTheCommitAndTheLibrariesInOneLine) {
  BuildInfo b = GetBuildInfo();
  EXPECT_TRUE(std::regex_match(b.version, std::regex(R"(\d+\.\d+\.\d+)"))) << b.version;
  EXPECT_TRUE(std::regex_match(b.commit, std::regex("[0-9a-f]{7,40}|unknown"))) << b.commit;
  EXPECT_EQ(b.grpc, grpc::Version());
  EXPECT_EQ(b.protobuf, google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
  EXPECT_TRUE(std::regex_match(b.openssl, std::regex(R"(3\.\d+\.\d+.*)"))) << b.openssl;
  EXPECT_TRUE(std::regex_match(b.sqlite, std::regex(R"(3\.\d+\.\d+)"))) << b.sqlite;

  EXPECT_EQ(b.Text(), b.version + " (git " + b.commit + ", gRPC " + b.grpc + ", protobuf " +
                          b.protobuf + ", OpenSSL " + b.openssl + ", SQLite " + b.sqlite + ")");
  std::string line = VersionLine("authnetd");
  EXPECT_EQ(line, "authnetd " + b.Text());
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace authnet
