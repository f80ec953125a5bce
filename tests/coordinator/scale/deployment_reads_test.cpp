// What a deployment's round reads per node: at 10,000 nodes every read of a desired document
// (a copy out of the mirror and a parse) is paid once per node started.
#include <catch2/catch.hpp>

#include "coordinator/store/sqlite_store.h"
#include "tests/coordinator/scale/deployment_fleet.h"
#include "tests/support/faulty_store.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;

TEST_CASE("deployment reads: starting a node reads its desired document once",
          "[scale][deployments]") {
  test::TempDir dir;
  auto sqlite = SqliteStore::open(dir.file("data"));
  REQUIRE(sqlite);
  test::FaultyStore store(std::move(*sqlite));
  test::ManualClock clock;
  constexpr int kNodes = 10;
  test::writeFleet(store, kNodes);
  test::DeployCoordinator c(store, clock);
  auto request = parseDeploymentRequest(test::deploymentRequestBody(4));
  REQUIRE(request);
  auto created = c.deployments.create(*request);
  REQUIRE(created);
  REQUIRE(c.deployments.tick());

  auto d = c.deployments.get(created->id);
  REQUIRE(d);
  int started = 0;
  for (const auto& node : d->nodes) {
    INFO(node.id);
    const size_t reads = store.gets(keys::desired(node.id));
    if (node.status == NodeStatus::kUpdating) {
      ++started;
      CHECK(reads == 1);
    } else {
      CHECK(reads == 0);
    }
  }
  CHECK(started == 4);
  // And what was read is what was written over: each started node holds the deployment.
  CHECK(test::holdingDeployment(store, kNodes, created->id).size() == 4);
}
