#pragma once

#include <string>
#include <vector>

namespace authnet::bench {

// One network size's outcome, as the simulation's table prints it.
struct SimPoint {
  int members = 0;        // platforms per network
  double recall = 0;      // share of counterfeit checkouts denied
  double false_deny = 0;  // share of genuine checkouts denied
};

// SimSvg draws recall and false deny against network size (members per
// network on a log2 axis) as a standalone SVG document: two panels side by
// side, each with its axes, ticks, points labelled with their value and a
// line through them. `points` in increasing `members`; `title` above both.
std::string SimSvg(const std::vector<SimPoint>& points, const std::string& title);

}  // namespace authnet::bench
