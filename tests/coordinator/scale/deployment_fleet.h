// What the deployment scale tests share: a store wrapper that holds transactions to a limit of
// its own and can stop committing at a chosen transaction (a coordinator that dies there), and
// a fleet of simulated nodes written straight into the store, whose agents answer a
// deployment's desired section with "applied" in batches.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "coordinator/deploy/deployments.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/store/chunked_commit.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/fakes/manual_clock.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

using coordinator::Store;
using coordinator::Txn;

// Delegates to `inner`; refuses (kUnavailable, nothing written) every commit from the
// `die_at`-th on (0: never), and counts what the commits that went through carried.
class LimitedStore final : public Store {
 public:
  LimitedStore(Store& inner, size_t max_ops) : inner_(inner), max_ops_(max_ops) {}

  size_t die_at = 0;
  size_t commits = 0;  // attempted
  size_t largest_ops = 0, largest_compares = 0, largest_keys = 0, largest_bytes = 0;

  coordinator::Result<std::optional<coordinator::KeyValue>> get(const std::string& key) override {
    return inner_.get(key);
  }
  coordinator::Result<int64_t> modRevision(const std::string& key) override {
    return inner_.modRevision(key);
  }
  coordinator::Result<coordinator::RangeResult> range(const std::string& prefix) override {
    return inner_.range(prefix);
  }
  coordinator::Result<std::vector<coordinator::KeyRevision>> revisions(
      const std::string& prefix) override {
    return inner_.revisions(prefix);
  }
  coordinator::Result<int64_t> commit(const Txn& txn) override {
    ++commits;
    if (die_at != 0 && commits >= die_at) {
      return common::fail(common::ErrorCode::kUnavailable, "the coordinator died here");
    }
    // etcd's probe after a lost reply reads every key the transaction touches, one range each,
    // under the same limit.
    std::set<std::string> keys;
    size_t bytes = 0;
    for (const auto& c : txn.compares) keys.insert(c.key);
    for (const auto& op : txn.ops) {
      keys.insert(op.key);
      bytes += op.key.size() + op.value.size();
    }
    if (max_ops_ != 0 &&
        (txn.ops.size() > max_ops_ || txn.compares.size() > max_ops_ || keys.size() > max_ops_)) {
      return common::fail(common::ErrorCode::kInvalid, "too many operations in one transaction");
    }
    largest_ops = std::max(largest_ops, txn.ops.size());
    largest_compares = std::max(largest_compares, txn.compares.size());
    largest_keys = std::max(largest_keys, keys.size());
    largest_bytes = std::max(largest_bytes, bytes);
    return inner_.commit(txn);
  }
  int64_t revision() override { return inner_.revision(); }
  int64_t waitForChange(const std::string& key, int64_t known,
                        std::chrono::milliseconds timeout) override {
    return inner_.waitForChange(key, known, timeout);
  }
  void setChangeListener(ChangeListener) override {}
  size_t maxTxnOps() const override { return max_ops_; }

 private:
  Store& inner_;
  size_t max_ops_;
};

// A real SQLite store in a temp dir, held to `max_ops` (0: no limit) by a LimitedStore.
struct LimitedSqlite {
  TempDir dir;
  std::unique_ptr<Store> sqlite;
  std::unique_ptr<LimitedStore> store;

  explicit LimitedSqlite(size_t max_ops) {
    auto opened = coordinator::SqliteStore::open(dir.file("data"));
    REQUIRE(opened);
    sqlite = std::move(*opened);
    store = std::make_unique<LimitedStore>(*sqlite, max_ops);
  }
};

inline std::string fleetNodeId(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "n%05d", i);
  return buf;
}

// `count` active nodes in pool "web", written in transactions the store accepts.
inline void writeFleet(Store& store, int count) {
  std::vector<Txn> units;
  for (int i = 0; i < count; ++i) {
    common::Node n;
    n.id = fleetNodeId(i);
    n.machine_id = "m-" + n.id;
    n.hostname = "host-" + n.id;
    n.state = common::NodeState::kActive;
    n.pool = "web";
    units.push_back(Txn().put(coordinator::keys::node(n.id), common::toJson(n).dump()));
  }
  REQUIRE(coordinator::commitInChunks(store, units, {}, store.maxTxnOps()));
}

// The nodes whose desired system section belongs to deployment `id` (its reboot and revert
// sections carry other tags).
inline std::vector<std::string> holdingDeployment(Store& store, int count, const std::string& id) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    auto kv = store.get(coordinator::keys::desired(fleetNodeId(i)));
    REQUIRE(kv);
    if (!*kv) continue;
    auto body = common::Json::parse((*kv)->value);
    auto system = body.value("system", common::Json());
    if (system.is_object() && system.value("deployment", std::string()) == id) {
      out.push_back(fleetNodeId(i));
    }
  }
  return out;
}

// Every node holding deployment `id`'s section that has not said so reports `outcome` for it,
// written in transactions the store accepts. Returns how many reported.
inline int answerFleet(Store& store, int count, const std::string& id,
                       const std::string& outcome = "applied") {
  std::vector<Txn> units;
  for (const auto& node : holdingDeployment(store, count, id)) {
    auto kv = store.get(coordinator::keys::observed(node));
    REQUIRE(kv);
    if (*kv && (*kv)->value.find("\"" + id + "\"") != std::string::npos) continue;
    auto desired = common::Json::parse(store.get(coordinator::keys::desired(node)).value()->value);
    common::Json report = {{"outcome", outcome},
                           {"system", desired["system"]["system"]},
                           {"deployment", id},
                           {"previous_system", "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-old"},
                           {"reason", outcome == "applied" ? "" : "health check failed"},
                           {"generation", 2}};
    common::Json observed = {{"domains", {{"system", report}}}};
    units.push_back(Txn().put(coordinator::keys::observed(node), observed.dump()));
  }
  REQUIRE(coordinator::commitInChunks(store, units, {}, store.maxTxnOps()));
  return static_cast<int>(units.size());
}

inline common::Json deploymentRequestBody(int max_parallel) {
  return {{"system", "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-new"},
          {"selector", {{"pool", "web"}}},
          {"max_parallel", max_parallel},
          {"confirm_within_s", 60}};
}

// An inventory and deployments over `store`, as one coordinator has them.
struct DeployCoordinator {
  DeployCoordinator(Store& store, test::ManualClock& clock)
      : tracker(clock.nowSeconds()),
        inventory(store, clock, tracker),
        deployments(inventory, store) {}
  coordinator::LivenessTracker tracker;
  coordinator::Inventory inventory;
  coordinator::Deployments deployments;
};

}  // namespace photon::test
