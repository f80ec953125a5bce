#include "tests/support/store_backends.h"

#include <atomic>

#include "coordinator/store/etcd_store.h"
#include "coordinator/store/sqlite_store.h"

namespace photon::test {

EtcdCluster& sharedEtcd() {
  static EtcdCluster cluster(1);
  return cluster;
}

StoreBackend::StoreBackend(std::string kind) : kind_(std::move(kind)) {
  static std::atomic<int> counter{0};
  // A prefix per backend object: the tests of one program share the etcd cluster.
  prefix_ = "/photon-test/" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "/";
}

StoreBackend::~StoreBackend() = default;

std::unique_ptr<coordinator::Store> StoreBackend::open() {
  if (kind_ == "sqlite") {
    auto store = coordinator::SqliteStore::open(dir_.file("data"));
    if (!store) {
      error_ = store.error().message;
      return nullptr;
    }
    return std::move(*store);
  }
  auto& etcd = sharedEtcd();
  if (!etcd.ready()) {
    error_ = etcd.error();
    return nullptr;
  }
  coordinator::EtcdOptions options;
  options.endpoints = etcd.clientUrls();
  auto client = coordinator::EtcdClient::create(options);
  if (!client) {
    error_ = client.error().message;
    return nullptr;
  }
  auto store = coordinator::EtcdStore::open(std::move(*client), prefix_);
  if (!store) {
    error_ = store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace photon::test
