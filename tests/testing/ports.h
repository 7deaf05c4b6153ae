#pragma once

namespace authnet::testing {

// PickUnusedPort returns a loopback TCP port the kernel just handed out and
// released, for tests that must know a node's peer port before it starts
// (peers dial it, and a restarted node must come back on it).
int PickUnusedPort();

}  // namespace authnet::testing
