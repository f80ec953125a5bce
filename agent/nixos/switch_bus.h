// The systemd switch-to-configuration runs under (NixosOptions::switch_bus), connected to once it
// answers. A bus that does not answer when the agent starts (dbus or systemd not up yet, or
// restarting) is asked again on each reconcile instead of leaving the domain failed until the
// agent restarts; while it does not answer, nothing is activated (no fallback to the agent's
// child, whose switch would run in the agent's sandbox).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "agent/nixos/switch_runner.h"
#include "agent/units/systemd_bus.h"
#include "common/result.h"

namespace photon::agent {

class SwitchBus {
 public:
  using Connect = std::function<common::Result<std::unique_ptr<SystemdBus>>()>;
  // `name` says which bus in messages ("the system bus", "bus unix:path=…").
  SwitchBus(std::string name, Connect connect);

  // The bus, connecting first when not connected: one attempt per call (each reconcile and each
  // run calls it once), so a bus that never answers costs one failed connect a round. Logs once
  // when it stops answering and once when it answers again. Thread-safe. The error is the
  // domain's failure reason.
  [[nodiscard]] common::Result<std::shared_ptr<SystemdBus>> get();

 private:
  std::mutex mu_;
  std::string name_;
  Connect connect_;
  std::shared_ptr<SystemdBus> bus_;  // kept once connected
  bool said_unavailable_ = false;
};

// A unit runner (makeUnitSwitchRunner) over `bus`, made once the bus answers; until then every
// run and adoption fails with the bus's error. abandon() also reaches a runner made later.
std::unique_ptr<SwitchRunner> makeReconnectingSwitchRunner(std::shared_ptr<SwitchBus> bus,
                                                           std::string log_dir);

}  // namespace photon::agent
