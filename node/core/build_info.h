#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace authnet {

// BuildInfo says what a program was built from and which libraries it runs
// with: what `--version` prints, `authnetctl status` shows and the node
// exports as the authnet_build_info metric.
struct BuildInfo {
  std::string version;   // the release, CMake's PROJECT_VERSION: "0.1.0"
  std::string commit;    // short git commit of the source, "unknown" if not built from a checkout
  std::string grpc;      // the gRPC library loaded: "1.51.1"
  std::string protobuf;  // the protobuf headers built against: "3.21.12"
  std::string openssl;   // the OpenSSL library loaded: "3.0.11"
  std::string sqlite;    // the SQLite library loaded: "3.40.1"

  // Text returns the one-line description, e.g. "0.1.0 (git 7d1dfa7, gRPC
  // 1.51.1, protobuf 3.21.12, OpenSSL 3.0.11, SQLite 3.40.1)".
  std::string Text() const;
};

// GetBuildInfo returns this program's BuildInfo, the library versions read
// from the libraries themselves where they tell. Thread-safe.
BuildInfo GetBuildInfo();

// VersionLine returns what `PROGRAM --version` prints (without the newline):
// `program` then GetBuildInfo().Text().
std::string VersionLine(absl::string_view program);

}  // namespace authnet
