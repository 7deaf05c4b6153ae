#include "node/core/build_info.h"

#include <google/protobuf/stubs/common.h>
#include <grpcpp/grpcpp.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "authnet/build_version.h"  // generated: AUTHNET_VERSION, AUTHNET_GIT_COMMIT

namespace authnet {

std::string BuildInfo::Text() const {
  return absl::StrCat(version, " (git ", commit, ", gRPC ", grpc, ", protobuf ", protobuf,
                      ", OpenSSL ", openssl, ", SQLite ", sqlite, ")");
}

BuildInfo GetBuildInfo() {
  // Protobuf has no run-time version call; its headers say 3021012 for 3.21.12.
  constexpr int kProtobuf = GOOGLE_PROTOBUF_VERSION;
  return BuildInfo{
      .version = AUTHNET_VERSION,
      .commit = AUTHNET_GIT_COMMIT,
      .grpc = grpc::Version(),
      .protobuf =
          absl::StrCat(kProtobuf / 1000000, ".", kProtobuf / 1000 % 1000, ".", kProtobuf % 1000),
      .openssl = OpenSSL_version(OPENSSL_VERSION_STRING),
      .sqlite = sqlite3_libversion(),
  };
}

std::string VersionLine(absl::string_view program) {
  return absl::StrCat(program, " ", GetBuildInfo().Text());
}

}  // namespace authnet
