#pragma once

#include <filesystem>
#include <string>

namespace authnet::testing {

// PgCluster is a throwaway PostgreSQL cluster started with
// tests/testing/pg_cluster.sh (initdb in a temp dir, unix socket only, as
// `nobody` when the tests run as root), stopped and removed when the object
// goes away.
class PgCluster {
 public:
  // Shared is one cluster for the whole test binary, started on first use.
  static PgCluster& Shared();

  explicit PgCluster(const std::filesystem::path& dir);
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  ~PgCluster();

  // NewDatabase creates an empty database and returns its connection string.
  std::string NewDatabase();
  const std::string& url() const { return url_; }

 private:
  std::filesystem::path dir_;
  std::string url_;  // dbname=postgres
  int databases_ = 0;
};

// ScriptPath is tests/testing/pg_cluster.sh in the source tree.
std::filesystem::path PgClusterScript();

}  // namespace authnet::testing
