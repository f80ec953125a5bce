#include "coordinator/store/open_store.h"

#include "common/error_context.h"
#include "coordinator/store/etcd_store.h"
#include "coordinator/store/sqlite_store.h"

namespace photon::coordinator {
namespace {
constexpr int kMaxLeaseTtlS = 3600;
}  // namespace

common::Result<EtcdOptions> etcdClientOptions(const StoreConfig& config) {
  EtcdOptions options;
  PHOTON_TRY(options.endpoints, parseEndpoints(config.etcd_endpoints));
  options.ca_file = config.etcd_ca;
  options.cert_file = config.etcd_cert;
  options.key_file = config.etcd_key;
  options.max_txn_ops = static_cast<size_t>(config.etcd_max_txn_ops);
  return options;
}

std::string etcdPrefix(const StoreConfig& config) {
  std::string prefix = config.etcd_prefix;
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  return prefix;
}

std::string etcdStorePrefix(const StoreConfig& config) {
  return etcdPrefix(config) + "kv/";
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
  // Fewer than 8 could not hold one node's step (its record, its desired document, a guard).
  if (config.etcd_max_txn_ops < 8 || config.etcd_max_txn_ops > 65536) {
    return common::invalid("etcd-max-txn-ops", "must be 8 to 65536");
  }
  return {};
}

common::Result<OpenedStore> openStore(const StoreConfig& config) {
  PHOTON_CHECK(checkStoreConfig(config));
  if (config.kind == "sqlite") {
    PHOTON_TRY_CTX(auto store, SqliteStore::open(config.data_dir), "SQLite store");
    return OpenedStore{std::move(store), "SQLite " + config.data_dir + "/photon.db"};
  }
  PHOTON_TRY(auto options, etcdClientOptions(config));
  PHOTON_TRY_CTX(std::shared_ptr<EtcdClient> client, EtcdClient::create(options),
                 "etcd client for " + config.etcd_endpoints);
  PHOTON_TRY_CTX(auto store, EtcdStore::open(client, etcdStorePrefix(config)),
                 "etcd store under " + etcdStorePrefix(config));
  return OpenedStore{std::move(store),
                     "etcd " + config.etcd_endpoints + " under " + etcdStorePrefix(config)};
}

}  // namespace photon::coordinator
