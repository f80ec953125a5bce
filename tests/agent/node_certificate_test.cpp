// The agent's side of node certificates: when it asks for one, and what it keeps.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "agent/core/node_certificate.h"
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
  auto refused = common::pki::signRequest(*ca, tampered, "n1", 1'800'000'000,
                                          std::chrono::seconds(60));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "csr");
  // A CA key that is not the CA certificate's is caught when the coordinator starts.
  auto other = common::pki::makeAuthority("other", 1);
  REQUIRE(other);
  CHECK_FALSE(common::pki::checkAuthority({ca->cert_pem, other->key_pem}));
}
