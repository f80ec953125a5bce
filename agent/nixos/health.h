// The health gate's checks: systemd units active (over sd-bus), HTTP 2xx, TCP connect, a
// program exiting 0. One round runs every check and names the first that failed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/core/process_runner.h"
#include "agent/nixos/system_spec.h"
#include "common/result.h"

namespace photon::agent {

// Reads a unit's ActiveState ("active", "failed", ...).
class UnitStates {
 public:
  virtual ~UnitStates() = default;
  [[nodiscard]] virtual common::Result<std::string> activeState(const std::string& unit) = 0;
};

// The system bus through sd-bus. Without a bus every query fails: a unit that cannot be seen
// is not healthy.
std::unique_ptr<UnitStates> makeBusUnitStates();

class HealthChecker {
 public:
  virtual ~HealthChecker() = default;
  // Runs one round of every check; the error says which check failed and why.
  [[nodiscard]] virtual common::Status check(const HealthSpec& spec) = 0;
};

std::unique_ptr<HealthChecker> makeHealthChecker(ProcessRunner& runner, UnitStates& units,
                                                 std::chrono::milliseconds check_timeout);

// Splits "http://host:port/path?q" into "http://host:port" and "/path?q". Pure.
struct UrlParts {
  std::string base;
  std::string target;
};
std::optional<UrlParts> splitUrl(const std::string& url);

}  // namespace photon::agent
