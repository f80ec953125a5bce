// The store a coordinator runs on, chosen by its flags: SQLite in a data dir, or etcd (with
// the leader election that several coordinators on one etcd need).
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "coordinator/control/etcd_leadership.h"
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
};

// Which flags a config lacks or has wrong, as a kInvalid naming the flag.
common::Status checkStoreConfig(const StoreConfig& config);

struct OpenedStore {
  std::unique_ptr<Store> store;
  std::string description;  // for the log: "SQLite DIR/photon.db", "etcd URL,URL under /photon/"
};
common::Result<OpenedStore> openStore(const StoreConfig& config);

// The election for an etcd config (nullptr for SQLite: the one coordinator leads). Not started.
common::Result<std::unique_ptr<EtcdLeadership>> makeLeadership(const StoreConfig& config);

// Where the store's keys and the leader key live under the configured prefix.
std::string etcdStorePrefix(const StoreConfig& config);
std::string etcdLeaderKey(const StoreConfig& config);

}  // namespace photon::coordinator
