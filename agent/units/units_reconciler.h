// The "units" domain: native services and containers as transient systemd units, supervised by
// systemd itself (restart policy, limits, sandboxing) and health-checked by the agent.
#pragma once

#include <chrono>
#include <memory>

#include "agent/core/reconciler.h"
#include "agent/units/health_monitor.h"
#include "agent/units/systemd_bus.h"
#include "agent/units/unit_locator.h"
#include "agent/units/unit_render.h"
#include "common/api/units_report.h"

namespace photon::agent {

class UnitsReconciler final : public Reconciler {
 public:
  UnitsReconciler(std::unique_ptr<SystemdBus> bus, std::unique_ptr<HealthProbe> probe,
                  RenderOptions options = {});

  std::string section() const override { return "units"; }
  [[nodiscard]] common::Status validate(const Json& section) const override;
  // The report as JSON (common/api/units_report.h's writer, the only one).
  Json reconcile(const Json& section) override;
  // One round, typed: what reconcile() writes.
  common::UnitsReport report(const Json& section);

  // For the BGP domain's VIP gating and anything else that asks about instance health.
  std::shared_ptr<ServiceHealth> serviceHealth() const { return health_; }
  // Blocks until a photon unit changes state or the timeout passes: the agent's loop can wake
  // on a crash instead of waiting for its next poll.
  [[nodiscard]] common::Result<bool> waitForChange(std::chrono::milliseconds timeout) {
    return bus_->waitForChange(timeout);
  }

 private:
  std::unique_ptr<SystemdBus> bus_;
  std::shared_ptr<HealthMonitor> health_;
  RenderOptions options_;
  std::vector<InstanceSpec> last_desired_;
};

// Wired in main(): systemd's system bus and real health checks.
[[nodiscard]] common::Result<std::unique_ptr<UnitsReconciler>> makeUnitsReconciler(
    RenderOptions options = {});
// Any bus address (tests reach a systemd booted in nspawn through its bus socket, and read its
// pids and cgroups through `view`).
[[nodiscard]] common::Result<std::unique_ptr<UnitsReconciler>> makeUnitsReconciler(
    const std::string& bus_address, RenderOptions options = {}, ManagerView view = {});

}  // namespace photon::agent
