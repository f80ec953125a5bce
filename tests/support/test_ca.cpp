#include "tests/support/test_ca.h"

#include <stdexcept>

#include "tests/support/child_process.h"

namespace photon::test {
namespace {
constexpr const char* kOpenssl = "/usr/bin/openssl";

void run(const std::vector<std::string>& argv, const std::string& log) {
  ChildProcess child(argv, log);
  if (child.wait(std::chrono::seconds(30)) != 0) {
    throw std::runtime_error("openssl " + argv[1] + " failed (see " + log + ")");
  }
}
}  // namespace

TestCa::TestCa(const std::string& name) {
  ca_file_ = dir_.file("ca.pem");
  ca_key_ = dir_.file("ca.key");
  run({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-days", "2", "-subj", "/CN=" + name, "-keyout", ca_key_, "-out", ca_file_},
      dir_.file("openssl.log"));
}

IssuedCertificate TestCa::issue(const std::string& name, const std::string& subject,
                                const std::string& extensions, int days) {
  std::string log = dir_.file("openssl.log");
  IssuedCertificate out{dir_.file(name + ".pem"), dir_.file(name + ".key")};
  std::string csr = dir_.file(name + ".csr");
  std::string ext = dir_.write(name + ".ext", extensions);
  run({kOpenssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-subj", subject, "-keyout", out.key_file, "-out", csr},
      log);
  run({kOpenssl, "x509", "-req", "-in", csr, "-CA", ca_file_, "-CAkey", ca_key_, "-CAcreateserial",
       "-days", std::to_string(days), "-extfile", ext, "-out", out.cert_file},
      log);
  return out;
}

IssuedCertificate TestCa::server(const std::string& name, const std::string& san, int days) {
  return issue(name, "/CN=" + name, "subjectAltName=" + san + "\nextendedKeyUsage=serverAuth\n",
               days);
}

IssuedCertificate TestCa::client(const std::string& common_name, int days) {
  return issue("client-" + common_name, "/CN=" + common_name, "extendedKeyUsage=clientAuth\n",
               days);
}

}  // namespace photon::test
