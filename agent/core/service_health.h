// Whether this node's instance of a service is healthy: the units domain (its health monitor)
// answers, the BGP domain asks before it announces a service's VIP. Here in core so that neither
// domain links the other.
#pragma once

#include <string>

namespace photon::agent {

class ServiceHealth {
 public:
  virtual ~ServiceHealth() = default;
  virtual bool healthy(const std::string& service) = 0;
};

}  // namespace photon::agent
