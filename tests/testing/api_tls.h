#pragma once

#include <filesystem>
#include <string>

namespace authnet::testing {

// MakeApiCertificate writes a self-signed P-256 certificate for DNS name
// `name` to DIR/api.crt and its key to DIR/api.key (mode 0600), as an
// operator's api certificate, with the openssl command (installed with the
// build dependencies), and returns the certificate's PEM (clients trust it
// as their root). Fails the calling test on error, returning "".
std::string MakeApiCertificate(const std::filesystem::path& dir, const std::string& name);

}  // namespace authnet::testing
