#pragma once

#include <string>
#include <vector>

#include "node/core/flag_parser.h"

namespace authnet::bench {

// Each mode parses its own flags (bench/README.md) and returns the exit
// status: 0 done, 1 the benchmark failed, 2 bad usage.
int RunCheck(const std::vector<std::string>& args);
int RunCheckBatch(const std::vector<std::string>& args);
int RunReport(const std::vector<std::string>& args);
int RunIngest(const std::vector<std::string>& args);
int RunSync(const std::vector<std::string>& args);
int RunConverge(const std::vector<std::string>& args);
int RunScale(const std::vector<std::string>& args);
int RunReplicas(const std::vector<std::string>& args);
// RunUnitScale is scale --units N (units_bench.cc): a brand's commissioned
// units reaching a platform's node.
int RunUnitScale(const ParsedFlags& flags);

}  // namespace authnet::bench
