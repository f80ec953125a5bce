#include "tests/support/coordinator_fixture.h"

#include <cstdio>
#include <stdexcept>

#include "common/log.h"
#include "coordinator/auth/tokens.h"
#include "coordinator/store/sqlite_store.h"

namespace photon::test {

CoordinatorFixture::CoordinatorFixture(
    std::string data_dir, const std::function<void(coordinator::CoordinatorOptions&)>& configure,
    common::HttpClientOptions client)
    : data_dir_(data_dir.empty() ? temp_.file("data") : std::move(data_dir)),
      client_(std::move(client)) {
  auto store = coordinator::SqliteStore::open(data_dir_);
  if (!store) throw std::runtime_error(store.error().message);
  start(std::move(*store), configure);
}

CoordinatorFixture::CoordinatorFixture(std::unique_ptr<coordinator::Store> store)
    : data_dir_(temp_.file("data")) {
  start(std::move(store), {});
}

void CoordinatorFixture::start(
    std::unique_ptr<coordinator::Store> store,
    const std::function<void(coordinator::CoordinatorOptions&)>& configure) {
  coordinator::CoordinatorOptions options;
  options.admin_token_hash = coordinator::sha256Hex(kAdminToken);
  options.bootstrap_token_hash = coordinator::sha256Hex(kBootstrapToken);
  options.max_wait = std::chrono::seconds(30);
  options.sweep_interval = std::chrono::milliseconds(50);
  if (configure) configure(options);
  https_ = options.tls.has_value();
  common::setLogLevel(common::LogLevel::kWarning);  // keep test output to what matters
  server_ = std::make_unique<coordinator::CoordinatorServer>(std::move(store), clock_, options);
  auto port = server_->start();
  if (!port) throw std::runtime_error(port.error().message);
}

CoordinatorFixture::~CoordinatorFixture() {
  server_->stop();
}

std::string CoordinatorFixture::url() const {
  return (https_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(server_->port());
}

Reply CoordinatorFixture::as(const std::string& token, const std::string& method,
                             const std::string& path, const std::string& body,
                             const std::map<std::string, std::string>& headers) {
  auto client = common::HttpClient::create(url(), client_);
  if (!client) throw std::runtime_error(client.error().message);
  if (!token.empty()) (*client)->setToken(token);
  auto res = (*client)->request(method, path, body, headers);
  if (!res) throw std::runtime_error(res.error().message);
  Reply r;
  r.status = res->status;
  r.etag = res->header("etag");
  r.body = common::Json::parse(res->body, nullptr, false);
  return r;
}

Reply CoordinatorFixture::admin(const std::string& method, const std::string& path,
                                const common::Json& body) {
  return as(kAdminToken, method, path, body.is_null() ? "" : body.dump());
}

Reply CoordinatorFixture::bootstrap(const std::string& method, const std::string& path,
                                    const common::Json& body) {
  return as(kBootstrapToken, method, path, body.is_null() ? "" : body.dump());
}

common::Json CoordinatorFixture::sampleCluster() {
  return common::Json::parse(R"({
    "name": "lab",
    "classes": [{"name": "compute", "labels": {"tier": "gold"}}, {"name": "gpu"}],
    "pools": [{"name": "web", "cidr": "10.0.1.0/24", "range_start": "10.0.1.10",
               "range_end": "10.0.1.12", "gateway": "10.0.1.1", "hostname_pattern": "web-{index}",
               "disk_layout": "single-ssd",
               "profile": "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-web"}],
    "rules": [
      {"name": "big", "priority": 10, "match": {"min_cores": 4}, "class": "compute",
       "pool": "web", "auto_install": true},
      {"name": "gpu", "priority": 20, "match": {"dmi": {"vendor": "ACME"}}, "class": "gpu",
       "pool": "web", "labels": {"accel": "yes"}}
    ],
    "settings": {"commission_deadline_s": 60, "install_deadline_s": 120,
                 "drain_deadline_s": 30, "node_ttl_s": 30}
  })");
}

CoordinatorFixture::Enrolled CoordinatorFixture::enrol(int n) {
  Reply r = bootstrap("POST", "/api/v1/phone-home", machine(n));
  if (r.status != 200) {
    throw std::runtime_error("phone-home of machine " + std::to_string(n) + ": " +
                             std::to_string(r.status) + " " + r.body.dump());
  }
  return {r.body["node_id"], r.body["token"]};
}

common::Json CoordinatorFixture::machine(int n, int cores) {
  char id[33];
  std::snprintf(id, sizeof id, "%032x", n + 1);
  char mac[18];
  std::snprintf(mac, sizeof mac, "52:54:00:00:%02x:%02x", (n >> 8) & 0xff, n & 0xff);
  return {{"machine_id", id},
          {"hostname", "boot-" + std::to_string(n)},
          {"facts",
           {{"cpu", {{"model", "Test CPU"}, {"cores", cores}, {"threads", cores * 2}}},
            {"memory_bytes", int64_t{16} << 30},
            {"disks", {{{"name", "vda"}, {"size_bytes", int64_t{100} << 30}}}},
            {"nics", {{{"name", "eth0"}, {"mac", mac}, {"link_up", true}}}},
            {"dmi",
             {{"vendor", "QEMU"},
              {"product", "Standard PC"},
              {"serial", "SER-" + std::to_string(n)}}}}}};
}

}  // namespace photon::test
