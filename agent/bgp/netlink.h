// The adapter to rtnetlink for the VIP addresses: one interface that holds them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::agent {

class Netlink {
 public:
  virtual ~Netlink() = default;
  // Creates the link if missing (kind "dummy"; a kernel built without the dummy driver gets an
  // "ifb" link, which likewise never carries traffic on its own) and brings it up.
  [[nodiscard]] virtual common::Status ensureDummyLink(const std::string& link) = 0;
  // Prefixes as "10.9.0.1/32" / "2001:db8::1/128". Adding one that is there, or removing one
  // that is not, succeeds.
  [[nodiscard]] virtual common::Status addAddress(const std::string& link,
                                                  const std::string& prefix) = 0;
  [[nodiscard]] virtual common::Status removeAddress(const std::string& link,
                                                     const std::string& prefix) = 0;
  // Every address on the link, link-local ones included; empty when the link does not exist.
  [[nodiscard]] virtual common::Result<std::vector<std::string>> listAddresses(
      const std::string& link) = 0;
};

// libnl-route-3. The netlink socket belongs to the network namespace of the thread that calls
// this, for the adapter's whole life.
[[nodiscard]] common::Result<std::unique_ptr<Netlink>> makeLibnlNetlink();

}  // namespace photon::agent
