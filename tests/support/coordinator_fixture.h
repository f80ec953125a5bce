// A real coordinator on 127.0.0.1, port 0, with a real SQLite file in a temp dir, and clients
// for the admin, a booting machine and (once enrolled) a node.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/json_fields.h"
#include "coordinator/coordinator_server.h"
#include "tests/fakes/manual_clock.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

inline constexpr const char* kAdminToken = "admin-token-0123456789abcdef";
inline constexpr const char* kBootstrapToken = "bootstrap-token-0123456789abcdef";

struct Reply {
  int status = 0;
  common::Json body;
  std::string etag;
};

class CoordinatorFixture {
 public:
  // `data_dir` empty: a fresh temp dir. The clock is a ManualClock the test drives.
  // `configure` may change the options (TLS, a node CA) before the server starts; `client`
  // is what admin()/as() call it with (a CA file for HTTPS, a client certificate).
  explicit CoordinatorFixture(
      std::string data_dir = {},
      const std::function<void(coordinator::CoordinatorOptions&)>& configure = {},
      common::HttpClientOptions client = {});
  // The same over a store of the caller's (a bench's etcd, tests/support/bench_store.h).
  explicit CoordinatorFixture(std::unique_ptr<coordinator::Store> store);
  ~CoordinatorFixture();

  std::string url() const;
  test::ManualClock& clock() { return clock_; }
  coordinator::CoordinatorServer& server() { return *server_; }
  const std::string& dataDir() const { return data_dir_; }

  Reply admin(const std::string& method, const std::string& path, const common::Json& body = {});
  Reply bootstrap(const std::string& method, const std::string& path,
                  const common::Json& body = {});
  Reply as(const std::string& token, const std::string& method, const std::string& path,
           const std::string& body = {}, const std::map<std::string, std::string>& headers = {});

  // A cluster with pool "web" (10.0.1.10-10.0.1.12), rule "big" (cores >= 4, auto_install)
  // and rule "gpu" (vendor ACME, not auto-installed).
  static common::Json sampleCluster();
  // A machine's phone-home body with one NIC and a DMI serial derived from `n`.
  static common::Json machine(int n, int cores = 8);
  // Phones home as machine(n) with the bootstrap token: the node's id and its token (throws
  // on anything but a 200).
  struct Enrolled {
    std::string id, token;
  };
  Enrolled enrol(int n);

 private:
  void start(std::unique_ptr<coordinator::Store> store,
             const std::function<void(coordinator::CoordinatorOptions&)>& configure);

  TempDir temp_;
  std::string data_dir_;
  test::ManualClock clock_;
  std::unique_ptr<coordinator::CoordinatorServer> server_;
  bool https_ = false;
  common::HttpClientOptions client_;
};

}  // namespace photon::test
