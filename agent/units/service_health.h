// What other domains ask about service instances: the BGP domain announces a service's VIP only
// while the instance on this node is healthy, placement rollouts wait for it.
#pragma once

#include <string>

namespace photon::agent {

class ServiceHealth {
 public:
  virtual ~ServiceHealth() = default;
  // True when the named instance runs here and its health check passes (an instance without a
  // check: while its unit is active). Unknown instances are not healthy.
  virtual bool healthy(const std::string& service) const = 0;
};

}  // namespace photon::agent
