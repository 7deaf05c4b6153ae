#include "tests/testing/pg_cluster.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "node/store/pg_conn.h"

namespace authnet::testing {
namespace {

std::string Run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return "";
  }
  std::string out;
  std::array<char, 512> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe.get())) {
    out.append(buf.data(), n);
  }
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

}  // namespace

std::filesystem::path PgClusterScript() {
  return std::filesystem::path(AUTHNET_SOURCE_DIR) / "tests/testing/pg_cluster.sh";
}

PgCluster& PgCluster::Shared() {
  static PgCluster* shared = [] {
    std::string templ = (std::filesystem::path(::testing::TempDir()) / "authnet-pg-XXXXXX");
    char* made = mkdtemp(templ.data());
    auto* c = new PgCluster(std::filesystem::path(made == nullptr ? "/tmp/authnet-pg" : made));
    std::atexit([] { delete shared; });
    return c;
  }();
  return *shared;
}

PgCluster::PgCluster(const std::filesystem::path& dir) : dir_(dir) {
  url_ = Run(absl::StrCat(PgClusterScript().string(), " start ", (dir_ / "pg").string()));
  if (url_.find("host=") == std::string::npos) {
    ADD_FAILURE() << "the PostgreSQL test cluster did not start: " << url_;
  }
}

PgCluster::~PgCluster() {
  Run(absl::StrCat(PgClusterScript().string(), " stop ", (dir_ / "pg").string(), " immediate"));
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PgCluster::NewDatabase() {
  std::string name = absl::StrCat("test_", getpid(), "_", ++databases_);
  auto conn = PgConn::Connect(url_, "tests");
  if (!conn.ok()) {
    ADD_FAILURE() << conn.status();
    return "";
  }
  absl::Status st = (*conn)->Exec(absl::StrCat("CREATE DATABASE ", name));
  EXPECT_TRUE(st.ok()) << st;
  return absl::StrReplaceAll(url_, {{"dbname=postgres", absl::StrCat("dbname=", name)}});
}

}  // namespace authnet::testing
