#include "node/daemon/log_setup.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "authnet/v1/checkout.pb.h"
#include "spdlog/sinks/ringbuffer_sink.h"

namespace authnet {
namespace {

TEST(LogSetupTest, LibprotobufLinesAreLoggedOncePerSiteNotOncePerCall) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  RouteProtobufLogs(std::make_shared<spdlog::logger>("protobuf", sink));
  // CheckRequest{subjects{gtin: "\xff"}}: invalid UTF-8 in a string field,
  // which libprotobuf refuses with an error line, as a hostile caller's
  // request would be refused.
  const std::string malformed("\x0a\x03\x0a\x01\xff", 5);
  for (int i = 0; i < 2000; ++i) {
    v1::CheckRequest req;
    ASSERT_FALSE(req.ParseFromString(malformed));
  }
  std::vector<std::string> lines = sink->last_formatted();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("invalid UTF-8"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace authnet
