// The store backends the conformance tests run against: SQLite in a temp dir, and etcd (one
// real member, started once per test program) under a prefix of its own per store.
#pragma once

#include <memory>
#include <string>

#include "coordinator/store/store.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

// Where one backend's data lives; open() again gives a new store over the same data, as a
// restarted coordinator would see it.
class StoreBackend {
 public:
  // "sqlite" or "etcd".
  explicit StoreBackend(std::string kind);
  ~StoreBackend();
  const std::string& kind() const { return kind_; }
  // Empty (with error() set) when the backend could not be opened.
  std::unique_ptr<coordinator::Store> open();
  const std::string& error() const { return error_; }

 private:
  std::string kind_;
  TempDir dir_;
  std::string prefix_;
  std::string error_;
};

// The etcd cluster shared by the tests of one program: started on first use.
EtcdCluster& sharedEtcd();

}  // namespace photon::test
