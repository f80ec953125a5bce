// A real SQLite store in a temp dir with a view kept from its change feed (the placement world,
// the nodes' shapes: anything with attachFeed() and noteChanges(keys, everything)), as the
// coordinator wires them: property tests compare such a view with one read whole.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

template <typename View>
struct FedView {
  TempDir dir;
  std::unique_ptr<coordinator::Store> store;
  std::unique_ptr<View> view;

  FedView() {
    auto opened = coordinator::SqliteStore::open(dir.file("data"));
    REQUIRE(opened);
    store = std::move(*opened);
    view = std::make_unique<View>(*store);
    view->attachFeed();
    store->setChangeListener([v = view.get()](const std::vector<std::string>& keys, bool all) {
      v->noteChanges(keys, all);
    });
  }
  ~FedView() { store->setChangeListener({}); }
};

}  // namespace photon::test
