// The change feed's memory that the in-memory views share (placement world, VM ledger, deadline
// sweep): the keys a view wants since it last looked, or "everything".
#include "coordinator/store/changed_keys.h"

#include <catch2/catch.hpp>

using namespace photon::coordinator;

namespace {
bool isNode(std::string_view key) {
  return key.starts_with("nodes/");
}
}  // namespace

TEST_CASE("changed keys: without a feed every take says everything and nothing is fed", "[scale]") {
  ChangedKeys changed(isNode);
  auto first = changed.take();
  CHECK_FALSE(first.fed);
  CHECK(first.everything);
  changed.note({"nodes/a"}, false);
  auto second = changed.take();
  CHECK_FALSE(second.fed);
  CHECK_FALSE(second.everything);
}

TEST_CASE("changed keys: once attached a take names the wanted keys noted since the last one",
          "[scale]") {
  ChangedKeys changed(isNode);
  changed.attach();
  CHECK(changed.take().everything);  // what came before the feed is unknown
  changed.note({"nodes/a", "vms/x", "nodes/b"}, false);
  changed.note({"nodes/a"}, false);
  auto taken = changed.take();
  CHECK(taken.fed);
  CHECK_FALSE(taken.everything);
  CHECK(taken.keys == std::set<std::string>{"nodes/a", "nodes/b"});
  CHECK(changed.take().keys.empty());
}

TEST_CASE("changed keys: everything from the feed or an invalidation drops the named keys",
          "[scale]") {
  ChangedKeys changed(isNode);
  changed.attach();
  (void)changed.take();
  changed.note({"nodes/a"}, false);
  changed.note({}, true);
  changed.note({"nodes/b"}, false);  // read with everything anyway
  auto taken = changed.take();
  CHECK(taken.everything);
  CHECK(taken.keys.empty());
  changed.note({"nodes/c"}, false);
  changed.invalidate();
  taken = changed.take();
  CHECK(taken.everything);
  CHECK(taken.keys.empty());
}
