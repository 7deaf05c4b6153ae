#include "tests/testing/api_tls.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace authnet::testing {

std::string MakeApiCertificate(const std::filesystem::path& dir, const std::string& name) {
  std::string crt = (dir / "api.crt").string();
  std::string key = (dir / "api.key").string();
  std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-days 2 -subj /CN=" +
      name + " -addext subjectAltName=DNS:" + name + " -keyout " + key + " -out " + crt +
      " 2>/dev/null";
  if (std::system(command.c_str()) != 0) {
    ADD_FAILURE() << "could not make an api certificate: " << command;
    return "";
  }
  std::filesystem::permissions(
      key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream in(crt);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace authnet::testing
