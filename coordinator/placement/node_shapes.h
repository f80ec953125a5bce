// The fleet's shape a service's spec is checked against when it is written (service_spec.h),
// kept from the store's change feed: a changed node is read again, nothing else, so a service
// write costs the same at 10 nodes and at 10,000. Without a feed (a service store made alone, as
// tests do) each look reads every node.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "coordinator/placement/service_spec.h"
#include "coordinator/store/changed_keys.h"
#include "coordinator/store/store.h"

namespace photon::coordinator::placement {

class NodeShapes {
 public:
  explicit NodeShapes(Store& store) : store_(store) {}

  // From now on looks trust noteChanges() to name every node that changes.
  void attachFeed();
  // The change listener's part: cheap, it only remembers the keys.
  void noteChanges(const std::vector<std::string>& keys, bool everything);

  // The enrolled nodes' shape (retired ones left out), brought up to the store first.
  [[nodiscard]] common::Result<FleetShape> shape();

 private:
  struct Shape {
    int64_t cpu_millis = 0;
    int64_t memory_bytes = 0;
    std::vector<std::string> label_keys;
  };
  common::Status readAll() REQUIRES(mutex_);
  common::Status readNode(const std::string& id) REQUIRES(mutex_);
  void forget(const std::string& id) REQUIRES(mutex_);
  void keep(const std::string& id, Shape shape) REQUIRES(mutex_);

  static bool wanted(std::string_view key);  // a node's document

  Store& store_;
  ChangedKeys changed_{&NodeShapes::wanted};
  common::Mutex mutex_;
  std::map<std::string, Shape> nodes_ GUARDED_BY(mutex_);
  // Of the nodes with a known capacity: each one's cores and memory, so the largest is the last.
  std::multiset<int64_t> cpus_ GUARDED_BY(mutex_);
  std::multiset<int64_t> memories_ GUARDED_BY(mutex_);
  std::map<std::string, int> label_keys_ GUARDED_BY(mutex_);  // key -> nodes carrying it
};

}  // namespace photon::coordinator::placement
