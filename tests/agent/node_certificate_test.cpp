// The agent's side of node certificates (when it asks for one, and what it keeps) and of the
// SSH host key it makes at install.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>

#include "agent/core/node_certificate.h"
#include "agent/core/process_runner.h"
#include "agent/core/ssh_host_key.h"
#include "agent/core/state_file.h"
#include "common/pki.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::agent;

TEST_CASE("node certificate: renewed when missing, broken, or in its last third", "[trust]") {
  test::TempDir dir;
  CHECK(certificateNeedsRenewal(dir.path(), 1'000'000));
  dir.write(kNodeCertFile, "not a certificate");
  CHECK(certificateNeedsRenewal(dir.path(), 1'000'000));

  auto ca = common::pki::makeAuthority("test CA", 1);
  REQUIRE(ca);
  auto made = common::pki::makeKeyAndRequest("n1");
  REQUIRE(made);
  const int64_t issued_at = 1'800'000'000;
  auto issued = common::pki::signRequest(*ca, made->request_pem, "n-0001", issued_at,
                                         std::chrono::seconds(3000));
  REQUIRE(issued);
  dir.write(kNodeCertFile, issued->cert_pem);
  auto info = common::pki::readCertificate(issued->cert_pem);
  REQUIRE(info);
  CHECK(info->common_name == "n-0001");
  CHECK(info->serial_hex == issued->serial_hex);
  CHECK(info->serial_hex.size() == 32);
  // Valid from issued_at - 300 to issued_at + 3000: 3300 s, renewed from 1100 s before the end.
  CHECK_FALSE(certificateNeedsRenewal(dir.path(), issued_at));
  CHECK_FALSE(certificateNeedsRenewal(dir.path(), issued_at + 1899));
  CHECK(certificateNeedsRenewal(dir.path(), issued_at + 1900));
  CHECK(certificateNeedsRenewal(dir.path(), issued_at + 4000));  // expired: renewed too
}

TEST_CASE("pki: a request whose signature does not match its key is refused", "[trust]") {
  auto ca = common::pki::makeAuthority("test CA", 1);
  REQUIRE(ca);
  CHECK(common::pki::checkAuthority(*ca));
  auto made = common::pki::makeKeyAndRequest("n1");
  REQUIRE(made);
  // Flip a byte in the middle of the base64 body: the signature no longer verifies (or the
  // request no longer parses); either way it is a 400 on "csr".
  std::string tampered = made->request_pem;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  auto refused =
      common::pki::signRequest(*ca, tampered, "n1", 1'800'000'000, std::chrono::seconds(60));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "csr");
  // A CA key that is not the CA certificate's is caught when the coordinator starts.
  auto other = common::pki::makeAuthority("other", 1);
  REQUIRE(other);
  CHECK_FALSE(common::pki::checkAuthority({ca->cert_pem, other->key_pem}));
}

namespace {

// Runs a program (no shell) and returns its stdout, or "" when it fails.
std::string programOutput(const std::vector<std::string>& argv) {
  auto runner = agent::makeProcessRunner();
  auto result = runner->run(argv, std::chrono::seconds(20));
  return result && result->ok() ? result->output : std::string();
}

}  // namespace

TEST_CASE("SSH host key: made once, in OpenSSH's own format, private half 0600", "[trust]") {
  test::TempDir dir;
  const std::string key = dir.path() + "/ssh/ssh_host_ed25519_key";
  auto line = ensureSshHostKey(key, "root@n-0001");
  REQUIRE(line);
  CHECK(line->starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
  CHECK(line->ends_with(" root@n-0001"));
  struct stat st {};
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // OpenSSH itself reads the private key and derives the same public key from it.
  std::string derived = programOutput({"ssh-keygen", "-y", "-f", key});
  REQUIRE_FALSE(derived.empty());
  CHECK(line->starts_with(derived.substr(0, derived.find_last_not_of(" \n") + 1)));
  CHECK(programOutput({"ssh-keygen", "-l", "-f", key + ".pub"}).find("ED25519") !=
        std::string::npos);

  // A second call keeps the key: a node's identity does not change on a retried install.
  auto again = ensureSshHostKey(key, "root@n-0001");
  REQUIRE(again);
  CHECK(*again == *line);
  // Two keys are two keys.
  auto other = makeSshHostKey("x");
  REQUIRE(other);
  CHECK(other->public_line.substr(0, 80) != line->substr(0, 80));

  // A private key without its public half is reported, not silently replaced.
  std::filesystem::remove(key + ".pub");
  auto broken = ensureSshHostKey(key, "root@n-0001");
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message.find(".pub is missing") != std::string::npos);
}
