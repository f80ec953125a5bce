// Steps the VM integration tests share (Catch2 tests only: it FAILs).
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "tests/agent/vms/qemu_fixture.h"

namespace photon::test {

// Reconciles until `done` holds for VM `name`'s observed state (bounded).
inline common::Json reconcileUntil(agent::Reconciler& r, const common::Json& section,
                                   const std::string& name,
                                   const std::function<bool(const common::Json&)>& done,
                                   std::chrono::seconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  common::Json last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = r.reconcile(section);
    const common::Json* vm = findVm(last, name);
    if (vm && done(*vm)) return *vm;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("timed out waiting; last observed: " << last.dump());
  return {};
}

inline bool has(const common::Json& list, const std::string& item) {
  return std::find(list.begin(), list.end(), common::Json(item)) != list.end();
}

}  // namespace photon::test
