#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "authnet/client.h"
#include "node/bundle/admin_dir.h"
#include "node/daemon/node.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/temp_dir.h"

namespace authnet::testing {

// OneNodeTest runs one real Node in-process: network "testnet" with member
// "acme" (its bundle under dir_/acme, data under dir_/data), the api on a
// unix socket and the peer listener on loopback port 0, on day 20400 of
// clock_. Tests adjust options_ before Start.
class OneNodeTest : public ::testing::Test {
 protected:
  OneNodeTest() : OneNodeTest(MemberProfile{}) {}
  // ... with "acme" enrolled under `profile` (its role and prefixes).
  explicit OneNodeTest(const MemberProfile& profile);

  // Start (re)creates the node from options_ and an SDK client of its api
  // with a generous deadline (the test machine may be loaded).
  void Start();

  TempDir dir_;
  ManualClock clock_{20400};
  NodeOptions options_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<Client> client_;
};

}  // namespace authnet::testing
