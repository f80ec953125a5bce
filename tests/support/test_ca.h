// A throw-away certificate authority made with the openssl CLI (P-256 keys: quick to make), and
// certificates it signs: for a server on 127.0.0.1, for a client with a common name, expired
// ones and ones for the wrong host.
#pragma once

#include <string>

#include "tests/support/temp_dir.h"

namespace photon::test {

struct IssuedCertificate {
  std::string cert_file;
  std::string key_file;
};

class TestCa {
 public:
  // Throws when openssl fails (its output is in dir()/openssl.log).
  explicit TestCa(const std::string& name = "photon-test-ca");

  const std::string& caFile() const { return ca_file_; }
  std::string dir() const { return dir_.path(); }

  // A server certificate whose subjectAltName is `san` ("IP:127.0.0.1,DNS:localhost").
  // `days` < 0 makes one that has already expired.
  IssuedCertificate server(const std::string& name, const std::string& san = "IP:127.0.0.1",
                           int days = 2);
  // A client certificate with CN `common_name`.
  IssuedCertificate client(const std::string& common_name, int days = 2);

 private:
  IssuedCertificate issue(const std::string& name, const std::string& subject,
                          const std::string& extensions, int days);

  TempDir dir_;
  std::string ca_file_;
  std::string ca_key_;
};

}  // namespace photon::test
