// The store a bench's coordinator runs on: SQLite in `dir`, or a real 3-member etcd on loopback
// (started here, kept in `etcd`, its members killed by PID when it goes) under a prefix of its
// own. Throws when the store does not open: a bench has nothing to measure without it.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "coordinator/store/etcd_store.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

// `kind`: "sqlite" or "etcd".
inline std::unique_ptr<coordinator::Store> openBenchStore(const std::string& kind, TempDir& dir,
                                                          std::unique_ptr<EtcdCluster>& etcd) {
  if (kind == "sqlite") {
    auto store = coordinator::SqliteStore::open(dir.file("data"));
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(*store);
  }
  if (kind != "etcd") throw std::runtime_error("store: sqlite or etcd, not " + kind);
  etcd = std::make_unique<EtcdCluster>(3);
  if (!etcd->ready()) throw std::runtime_error("etcd: " + etcd->error());
  coordinator::EtcdOptions options;
  options.endpoints = etcd->clientUrls();
  auto client = coordinator::EtcdClient::create(options);
  if (!client) throw std::runtime_error(client.error().message);
  auto store = coordinator::EtcdStore::open(std::move(*client), "/bench/");
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

}  // namespace photon::test
