// A deployment whose record and steps pass one transaction (SQLite held to etcd-like limits by
// LimitedStore): it rolls out within the limit, and a coordinator that dies between two chunks
// of a create, a step, a revert or a cancel leaves a state that the next one completes, with
// every node's record agreeing with its desired document at every point.
#include <catch2/catch.hpp>

#include <set>

#include "coordinator/deploy/rollout.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/coordinator/scale/deployment_fleet.h"
#include "tests/support/store_backends.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;
using test::DeployCoordinator;
using test::LimitedStore;

namespace {
struct World {
  test::TempDir dir;
  test::ManualClock clock;
  std::unique_ptr<test::StoreBackend> backend;
  std::unique_ptr<Store> base;
  std::unique_ptr<LimitedStore> store;
  int count;

  // SQLite held to `max_ops`; or, with kind "etcd", a real etcd at its own limit (128).
  World(int nodes, size_t max_ops, const std::string& kind = "sqlite") : count(nodes) {
    if (kind == "etcd") {
      backend = std::make_unique<test::StoreBackend>(kind);
      base = backend->open();
      REQUIRE(base);
      max_ops = base->maxTxnOps();
    } else {
      auto opened = SqliteStore::open(dir.file("data"));
      REQUIRE(opened);
      base = std::move(*opened);
    }
    store = std::make_unique<LimitedStore>(*base, max_ops);
    test::writeFleet(*store, nodes);
  }

  std::string create(DeployCoordinator& c, int max_parallel) {
    auto request = parseDeploymentRequest(test::deploymentRequestBody(max_parallel));
    REQUIRE(request);
    auto d = c.deployments.create(*request);
    REQUIRE(d);
    return d->id;
  }

  // Dies at the `nth` commit from now (1: the next one).
  void dieAt(size_t nth) { store->die_at = store->commits + nth; }
  void live() { store->die_at = 0; }

  size_t keys(const std::string& prefix) { return store->range(prefix).value().kvs.size(); }
};

size_t countIf(const Deployment& d, auto predicate) {
  return static_cast<size_t>(std::count_if(d.nodes.begin(), d.nodes.end(), predicate));
}

// What must hold whatever was cut short: at most max_parallel in flight, and the nodes whose
// desired section is the deployment's are exactly those its record says were given it (and not
// yet given a revert).
void checkConsistent(World& w, Deployments& deployments, const std::string& id) {
  auto d = deployments.get(id);
  REQUIRE(d);
  CHECK(countIf(*d, [](const auto& n) { return inFlight(n.status); }) <=
        static_cast<size_t>(d->max_parallel));
  std::set<std::string> recorded;
  for (const auto& n : d->nodes) {
    if (n.desired_written && n.revert == RevertStatus::kNone) recorded.insert(n.id);
  }
  auto holding = test::holdingDeployment(*w.store, w.count, id);
  CHECK(std::set<std::string>(holding.begin(), holding.end()) == recorded);
}

// Rounds of `c` with the agents answering, until the deployment is final (bounded).
Deployment runToEnd(World& w, DeployCoordinator& c, const std::string& id, int max_rounds) {
  for (int round = 0; round < max_rounds; ++round) {
    REQUIRE(c.deployments.tick());
    checkConsistent(w, c.deployments, id);
    auto d = c.deployments.get(id);
    REQUIRE(d);
    if (isFinal(d->state)) return *d;
    test::answerFleet(*w.store, w.count, id);
  }
  FAIL("deployment " << id << " did not end in " << max_rounds << " rounds");
  return {};
}
}  // namespace

TEST_CASE("deployment chunks: two thousand nodes at max_parallel 200 roll out within 128 ops a txn",
          "[scale][deployments]") {
  World w(2000, 128);
  DeployCoordinator c(*w.store, w.clock);
  const std::string id = w.create(c, 200);
  CHECK(w.keys(keys::kDeploymentLocksPrefix) == 2000);
  Deployment d = runToEnd(w, c, id, 40);
  CHECK(d.state == DeploymentState::kSucceeded);
  CHECK(countIf(d, [](const auto& n) { return n.status == NodeStatus::kApplied; }) == 2000);
  CHECK(w.store->largest_ops <= 128);
  CHECK(w.store->largest_compares <= 128);
  // Released: no lock, no running entry; the record reads back whole.
  CHECK(w.keys(keys::kDeploymentLocksPrefix) == 0);
  CHECK(w.keys(keys::kRunningDeploymentsPrefix) == 0);
  auto listed = c.deployments.list(10);
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(toJson(listed->front()) == toJson(d));
}

TEST_CASE(
    "deployment chunks: a coordinator that dies between two chunks of a step leaves a "
    "state the next one completes",
    "[scale][deployments]") {
  // 8 ops a txn: the second step (20 nodes applied, 7 a chunk; 20 started with their desired
  // documents, 3 a chunk) is 10 transactions.
  for (size_t die = 1; die <= 11; ++die) {
    DYNAMIC_SECTION("dies at the step's transaction " << die) {
      World w(60, 8);
      std::string id;
      {
        DeployCoordinator a(*w.store, w.clock);
        id = w.create(a, 20);
        REQUIRE(a.deployments.tick());
        CHECK(test::answerFleet(*w.store, w.count, id) == 20);
        auto before = a.deployments.get(id);
        REQUIRE(before);
        w.dieAt(die);
        (void)a.deployments.tick();
        w.live();
        // The step was cut where asked: nothing before its first transaction, all of it after
        // its tenth, part of it in between.
        auto after = a.deployments.get(id);
        REQUIRE(after);
        size_t moved = 0;
        for (size_t i = 0; i < after->nodes.size(); ++i) {
          if (!(after->nodes[i] == before->nodes[i])) ++moved;
        }
        if (die == 1) {
          CHECK(moved == 0);
        } else if (die > 10) {
          CHECK(moved == 40);
        } else {
          CHECK(moved > 0);
          CHECK(moved < 40);
        }
      }
      DeployCoordinator b(*w.store, w.clock);
      checkConsistent(w, b.deployments, id);
      Deployment d = runToEnd(w, b, id, 20);
      CHECK(d.state == DeploymentState::kSucceeded);
      CHECK(countIf(d, [](const auto& n) { return n.status == NodeStatus::kApplied; }) == 60);
      CHECK(w.keys(keys::kDeploymentLocksPrefix) == 0);
      CHECK(w.keys(keys::kRunningDeploymentsPrefix) == 0);
    }
  }
}

TEST_CASE("deployment chunks: a revert cut short between chunks is begun on the rest next round",
          "[scale][deployments]") {
  for (size_t die = 1; die <= 5; ++die) {
    DYNAMIC_SECTION("dies at the revert's transaction " << die) {
      World w(30, 8);
      std::string id;
      {
        DeployCoordinator a(*w.store, w.clock);
        id = w.create(a, 10);
        REQUIRE(a.deployments.tick());
        // One of the ten fails: the step that sees it begins the revert of all ten.
        const auto wave = test::holdingDeployment(*w.store, w.count, id);
        REQUIRE(wave.size() == 10);
        CHECK(test::answerFleet(*w.store, w.count, id) == 10);
        common::Json failed = {
            {"domains",
             {{"system",
               {{"outcome", "failed"},
                {"system", test::deploymentRequestBody(1)["system"]},
                {"deployment", id},
                {"previous_system", "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-old"},
                {"reason", "health check failed"}}}}}};
        REQUIRE(w.store->commit(Txn().put(keys::observed(wave[0]), failed.dump())));
        w.dieAt(die);
        (void)a.deployments.tick();
        w.live();
      }
      DeployCoordinator b(*w.store, w.clock);
      checkConsistent(w, b.deployments, id);
      REQUIRE(b.deployments.tick());
      auto d = b.deployments.get(id);
      REQUIRE(d);
      CHECK(d->state == DeploymentState::kReverting);
      // Every node given the deployment now holds its revert, none twice begun.
      CHECK(test::holdingDeployment(*w.store, w.count, revertTag(id)).size() == 10);
      CHECK(test::holdingDeployment(*w.store, w.count, id).empty());
      test::answerFleet(*w.store, w.count, revertTag(id));
      REQUIRE(b.deployments.tick());
      d = b.deployments.get(id);
      REQUIRE(d);
      CHECK(d->state == DeploymentState::kFailed);
      CHECK(countIf(*d, [](const auto& n) { return n.revert == RevertStatus::kReverted; }) == 10);
      CHECK(countIf(*d, [](const auto& n) { return n.status == NodeStatus::kNotStarted; }) == 20);
      CHECK(w.keys(keys::kRunningDeploymentsPrefix) == 0);
    }
  }
}

TEST_CASE(
    "deployment chunks: a failed node's chunk written without its header names the reason "
    "next round",
    "[scale][deployments]") {
  World w(30, 8);
  std::string id;
  NodeRollout failed;
  {
    DeployCoordinator a(*w.store, w.clock);
    id = w.create(a, 10);
    REQUIRE(a.deployments.tick());
    auto started = a.deployments.get(id);
    REQUIRE(started);
    failed = started->nodes[0];
  }
  // What a coordinator that died inside the step that saw the failure left: the node's progress
  // document says failed, the header (which carries the deployment's reason) was not written.
  REQUIRE(failed.status == NodeStatus::kUpdating);
  failed.status = NodeStatus::kFailed;
  failed.reason = "health check failed";
  failed.finished_at = w.clock.nowSeconds();
  REQUIRE(
      w.store->commit(Txn().put(keys::deploymentProgress(id, failed.id), toJson(failed).dump())));

  DeployCoordinator b(*w.store, w.clock);
  auto read = b.deployments.get(id);
  REQUIRE(read);
  REQUIRE(read->reason.empty());  // the state the test means
  REQUIRE(b.deployments.tick());
  const std::string reason = "node " + failed.id + " failed: health check failed";
  auto d = b.deployments.get(id);
  REQUIRE(d);
  CHECK(d->reason == reason);
  CHECK(d->stopping());
  // Stored in the header: a coordinator that reads the record afresh finds it too.
  DeployCoordinator fresh(*w.store, w.clock);
  auto stored = fresh.deployments.get(id);
  REQUIRE(stored);
  CHECK(stored->reason == reason);
}

TEST_CASE("deployment chunks: a cancel cut short after its header is completed by the next round",
          "[scale][deployments]") {
  World w(30, 8);
  DeployCoordinator a(*w.store, w.clock);
  const std::string id = w.create(a, 10);
  REQUIRE(a.deployments.tick());
  // The header's chunk commits, the next does not: the cancel is decided and says so.
  w.dieAt(2);
  auto cancelled = a.deployments.cancel(id);
  w.live();
  REQUIRE(cancelled);
  CHECK(cancelled->state == DeploymentState::kCancelled);
  auto stored = a.deployments.get(id);
  REQUIRE(stored);
  CHECK(stored->state == DeploymentState::kCancelled);
  CHECK(countIf(*stored, [](const auto& n) { return n.status == NodeStatus::kCancelled; }) < 30);
  CHECK(w.keys(keys::kRunningDeploymentsPrefix) == 1);

  DeployCoordinator b(*w.store, w.clock);
  REQUIRE(b.deployments.tick());
  stored = b.deployments.get(id);
  REQUIRE(stored);
  CHECK(countIf(*stored, [](const auto& n) { return n.status == NodeStatus::kCancelled; }) == 30);
  CHECK(w.keys(keys::kRunningDeploymentsPrefix) == 0);
  CHECK(w.keys(keys::kDeploymentLocksPrefix) == 0);
  // A second cancel is refused: it is over.
  CHECK_FALSE(b.deployments.cancel(id));
}

TEST_CASE(
    "deployment chunks: a create cut short in its locks still holds its nodes, and the "
    "next round writes the locks",
    "[scale][deployments]") {
  World w(40, 8);
  std::string id;
  {
    DeployCoordinator a(*w.store, w.clock);
    w.dieAt(3);  // the record, one chunk of locks, then nothing
    id = w.create(a, 10);
    w.live();
  }
  // 8 keys a transaction: the record's compare and 7 locks (etcd's lost-reply probe reads each).
  CHECK(w.keys(keys::kDeploymentLocksPrefix) == 7);
  DeployCoordinator b(*w.store, w.clock);
  // Overlap is decided by the running deployments' node lists, not by the locks.
  auto request = parseDeploymentRequest(test::deploymentRequestBody(5));
  REQUIRE(request);
  auto second = b.deployments.create(*request);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == common::ErrorCode::kConflict);
  // The next leader's own lock write fails too: it keeps nothing, so its next round writes them
  // (a record kept without its locks would only be refreshed, and a refresh writes none).
  w.dieAt(1);
  CHECK_FALSE(b.deployments.tick());
  w.live();
  CHECK(w.keys(keys::kDeploymentLocksPrefix) < 40);
  REQUIRE(b.deployments.tick());
  CHECK(w.keys(keys::kDeploymentLocksPrefix) == 40);
  Deployment d = runToEnd(w, b, id, 10);
  CHECK(d.state == DeploymentState::kSucceeded);
}

TEST_CASE("deployment chunks: a record stored whole, as before the split, reads and advances",
          "[scale][deployments]") {
  World w(6, 0);
  Deployment d;
  d.id = "d-1";
  d.spec.system = test::deploymentRequestBody(1)["system"];
  d.spec.confirm_within_s = 60;
  d.max_parallel = 2;
  d.node_timeout_s = 600;
  d.created_at = w.clock.nowSeconds();
  d.selector = {{"pool", "web"}};
  for (int i = 0; i < 6; ++i) d.nodes.push_back(NodeRollout{.id = test::fleetNodeId(i)});
  d.nodes[5].status = NodeStatus::kSkipped;
  d.nodes[5].reason = "node is drained";
  Txn txn;
  txn.put(keys::deployment(d.id), toJson(d).dump()).put(keys::runningDeployment(d.id), "{}");
  txn.put(keys::kDeploymentSequence, common::Json{{"next", 2}}.dump());
  REQUIRE(w.store->commit(txn));
  DeployCoordinator c(*w.store, w.clock);
  auto read = c.deployments.get(d.id);
  REQUIRE(read);
  CHECK(toJson(*read) == toJson(d));
  Deployment end = runToEnd(w, c, d.id, 10);
  CHECK(end.state == DeploymentState::kSucceeded);
  CHECK(countIf(end, [](const auto& n) { return n.status == NodeStatus::kApplied; }) == 5);
  CHECK(end.nodes[5].reason == "node is drained");
}

TEST_CASE("deployment chunks: ten thousand nodes at max_parallel 500 roll out on a real etcd",
          "[scale][deployments][etcd][integration]") {
  World w(10000, 0, "etcd");
  REQUIRE(w.store->maxTxnOps() == 128);  // etcd's --max-txn-ops default
  DeployCoordinator c(*w.store, w.clock);
  const std::string id = w.create(c, 500);
  Deployment d = runToEnd(w, c, id, 30);
  CHECK(d.state == DeploymentState::kSucceeded);
  CHECK(countIf(d, [](const auto& n) { return n.status == NodeStatus::kApplied; }) == 10000);
  CHECK(w.store->largest_ops <= 128);
  CHECK(w.store->largest_compares <= 128);
  CHECK(w.keys(keys::kDeploymentLocksPrefix) == 0);
  CHECK(w.keys(keys::kRunningDeploymentsPrefix) == 0);
}
