// The store a coordinator runs on, chosen by its flags: SQLite in a data dir, or etcd. Opening a
// store knows nothing of leadership; control/store_leadership.h builds the election for the
// same config.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "coordinator/store/etcd_client.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

struct StoreConfig {
  std::string kind = "sqlite";  // "sqlite" or "etcd"
  std::string data_dir;         // sqlite
  std::string etcd_endpoints;   // etcd: "http://a:2379,http://b:2379"
  std::string etcd_prefix = "/photon/";
  std::string etcd_ca, etcd_cert, etcd_key;
  int lease_ttl_s = 10;
  int etcd_max_txn_ops = 128;  // the members' --max-txn-ops
};

// Which flags a config lacks or has wrong, as a kInvalid naming the flag.
common::Status checkStoreConfig(const StoreConfig& config);

struct OpenedStore {
  std::unique_ptr<Store> store;
  std::string description;  // for the log: "SQLite DIR/photon.db", "etcd URL,URL under /photon/"
};
common::Result<OpenedStore> openStore(const StoreConfig& config);

// How to reach the etcd of an etcd config (its endpoints and TLS files).
common::Result<EtcdOptions> etcdClientOptions(const StoreConfig& config);

// The configured prefix with one trailing slash, and where the store's keys live under it.
std::string etcdPrefix(const StoreConfig& config);
std::string etcdStorePrefix(const StoreConfig& config);

}  // namespace photon::coordinator
