#include "coordinator/store/open_store.h"

#include "coordinator/store/etcd_store.h"
#include "coordinator/store/sqlite_store.h"

namespace photon::coordinator {
namespace {
constexpr int kMaxLeaseTtlS = 3600;

std::string normalizedPrefix(const StoreConfig& config) {
  std::string prefix = config.etcd_prefix;
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  return prefix;
}

common::Result<EtcdOptions> etcdOptions(const StoreConfig& config) {
  EtcdOptions options;
  PHOTON_TRY(options.endpoints, parseEndpoints(config.etcd_endpoints));
  options.ca_file = config.etcd_ca;
  options.cert_file = config.etcd_cert;
  options.key_file = config.etcd_key;
  return options;
}
}  // namespace

std::string etcdStorePrefix(const StoreConfig& config) {
  return normalizedPrefix(config) + "kv/";
}
std::string etcdLeaderKey(const StoreConfig& config) {
  return normalizedPrefix(config) + "leader";
}

common::Status checkStoreConfig(const StoreConfig& config) {
  if (config.kind == "sqlite") {
    if (config.data_dir.empty())
      return common::invalid("data-dir", "is required with --store sqlite");
    return {};
  }
  if (config.kind != "etcd") return common::invalid("store", "must be sqlite or etcd");
  PHOTON_CHECK(parseEndpoints(config.etcd_endpoints));
  if (config.etcd_prefix.empty() || config.etcd_prefix.size() > 128 ||
      config.etcd_prefix.find_first_of(" \t\n") != std::string::npos) {
    return common::invalid("etcd-prefix", "must be 1 to 128 characters without spaces");
  }
  if (config.etcd_cert.empty() != config.etcd_key.empty()) {
    return common::invalid("etcd-cert", "--etcd-cert and --etcd-key go together");
  }
  if (config.lease_ttl_s < 2 || config.lease_ttl_s > kMaxLeaseTtlS) {
    return common::invalid("lease-ttl", "must be 2 to 3600 seconds");
  }
  return {};
}

common::Result<OpenedStore> openStore(const StoreConfig& config) {
  PHOTON_CHECK(checkStoreConfig(config));
  if (config.kind == "sqlite") {
    PHOTON_TRY(auto store, SqliteStore::open(config.data_dir));
    return OpenedStore{std::move(store), "SQLite " + config.data_dir + "/photon.db"};
  }
  PHOTON_TRY(auto options, etcdOptions(config));
  PHOTON_TRY(std::shared_ptr<EtcdClient> client, EtcdClient::create(options));
  PHOTON_TRY(auto store, EtcdStore::open(client, etcdStorePrefix(config)));
  return OpenedStore{std::move(store),
                     "etcd " + config.etcd_endpoints + " under " + etcdStorePrefix(config)};
}

common::Result<std::unique_ptr<EtcdLeadership>> makeLeadership(const StoreConfig& config) {
  if (config.kind != "etcd") return std::unique_ptr<EtcdLeadership>();
  PHOTON_CHECK(checkStoreConfig(config));
  PHOTON_TRY(auto options, etcdOptions(config));
  // Its own connections, with timeouts well inside the lease: a keepalive that hangs must not
  // outlast the time it is meant to buy.
  auto ttl = std::chrono::milliseconds(std::chrono::seconds(config.lease_ttl_s));
  options.connect_timeout = std::min(options.connect_timeout, ttl / 4);
  options.request_timeout = ttl / 3;
  PHOTON_TRY(std::shared_ptr<EtcdClient> client, EtcdClient::create(options));
  ElectionOptions election;
  election.key = etcdLeaderKey(config);
  election.ttl = std::chrono::seconds(config.lease_ttl_s);
  return std::make_unique<EtcdLeadership>(std::move(client), election);
}

}  // namespace photon::coordinator
