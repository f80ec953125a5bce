// The etcd store over TLS: a private CA and client certificates (made with the openssl CLI),
// members that require a client certificate.
#include <catch2/catch.hpp>

#include <signal.h>

#include "coordinator/store/open_store.h"
#include "tests/support/etcd_cluster.h"

using namespace photon;
using namespace photon::coordinator;

TEST_CASE("etcd store: TLS with a client certificate", "[etcd][integration]") {
  // As in photon-coordinator: OpenSSL writes to a socket the member closed (refusing us).
  signal(SIGPIPE, SIG_IGN);
  test::EtcdCluster etcd(1, /*tls=*/true);
  INFO(etcd.error());
  REQUIRE(etcd.ready());
  REQUIRE(etcd.endpoints().starts_with("https://"));
  StoreConfig config;
  config.kind = "etcd";
  config.etcd_endpoints = etcd.endpoints();
  config.etcd_ca = etcd.tls().ca_file;
  config.etcd_cert = etcd.tls().cert_file;
  config.etcd_key = etcd.tls().key_file;
  {
    auto opened = openStore(config);
    INFO((opened ? "" : opened.error().message));
    REQUIRE(opened);
    auto r = opened->store->commit(Txn{}.expectAbsent("k").put("k", "v"));
    REQUIRE(r);
    CHECK((*opened->store->get("k"))->value == "v");
    // The watch runs over TLS too: a second store sees the first one's write.
    auto other = openStore(config);
    REQUIRE(other);
    REQUIRE(opened->store->commit(Txn{}.expect("k", *r).put("k", "w")));
    CHECK(other->store->waitForChange("k", *r, std::chrono::seconds(5)) > *r);
    CHECK((*other->store->get("k"))->value == "w");
  }
  // Without a client certificate the members refuse us; without the CA we refuse them.
  StoreConfig no_cert = config;
  no_cert.etcd_cert.clear();
  no_cert.etcd_key.clear();
  CHECK_FALSE(openStore(no_cert));
  StoreConfig no_ca = config;
  no_ca.etcd_ca.clear();
  CHECK_FALSE(openStore(no_ca));
}
