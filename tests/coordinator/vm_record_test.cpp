// A VM record's figures come from its spec, the one thing stored.
#include <catch2/catch.hpp>

#include "coordinator/vms/vm_service.h"

using photon::common::Json;
using photon::coordinator::VmRecord;

TEST_CASE("vm record: the memory it holds is its spec's, whatever the spec becomes", "[vms]") {
  VmRecord r{.name = "db", .node = "n-1", .spec = Json{{"name", "db"}, {"memory_mib", 512}}};
  CHECK(r.memoryMib() == 512);
  r.spec["memory_mib"] = 2048;  // a replaced spec: nothing beside it to forget
  CHECK(r.memoryMib() == 2048);
  CHECK(VmRecord{}.memoryMib() == 0);
}
