// Runs one health check of an instance: a TCP connect or an HTTP GET to 127.0.0.1 (bounded
// exchanges: agent/units/health_exchange.h), or a command (execve, no shell, through the
// ProcessRunner) whose exit status 0 passes: a process instance's on the node as its user, a
// container instance's inside its container (agent/units/container_check.h); either starts in
// its unit's cgroup (agent/units/unit_cgroup.h), never the agent's. Each ends by the check's
// timeout.
#pragma once

#include <memory>
#include <string>

#include "agent/core/process_runner.h"
#include "agent/units/instance_spec.h"
#include "agent/units/unit_locator.h"
#include "common/result.h"

namespace photon::agent {

class HealthProbe {
 public:
  virtual ~HealthProbe() = default;
  // Passed, or an error saying why not ("connect 127.0.0.1:8080: refused"). Called from the
  // health monitor's workers at once: an implementation is thread-safe.
  [[nodiscard]] virtual common::Status check(const HealthCheckSpec& spec) = 0;
};

// `units` finds the process (and cgroup) of an instance's unit; without it an exec check fails
// (it never runs in the agent's cgroup instead). setpriv and nsenter are looked up in PATH
// (util-linux).
std::unique_ptr<HealthProbe> makeSystemHealthProbe(std::unique_ptr<ProcessRunner> runner,
                                                   std::shared_ptr<UnitLocator> units = nullptr);

}  // namespace photon::agent
