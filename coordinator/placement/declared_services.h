// Services of the cluster declaration (its "services" list, nix/lib/cluster.nix's services):
// the same spec as PUT /api/v1/services/{name}, stored under the same keys and placed by the
// same controller, but owned by the declaration. `cluster apply` creates, updates and deletes
// the declaration's own; a service created through the API is the API's and never touched, and
// each refuses the other's changes.
#pragma once

#include <string>
#include <vector>

#include "common/api/cluster.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/placement/service_spec.h"

namespace photon::coordinator::placement {

// The declaration's services, parsed as the API parses a service; a bad one is an error naming
// "services[i].<field>".
[[nodiscard]] Result<std::vector<ServiceSpec>> declaredServicesOf(const common::Cluster& cluster);

struct DeclarationApplied {
  int64_t revision = 0;
  std::vector<std::string> created, updated, deleted, warnings;
};

// Stores the declaration and brings the declaration's services in line with it, in one
// transaction: all or nothing. A declared name the API already owns is a conflict (409).
// `store`: placement's handle on the store (the services are written there).
[[nodiscard]] Result<DeclarationApplied> applyDeclaration(Inventory& inventory, Store& store,
                                                          const common::Cluster& cluster);

}  // namespace photon::coordinator::placement
