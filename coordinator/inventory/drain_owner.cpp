// Drains held by their owner: a deployment drains a node for its reboot and undrains only a
// drain that is still its own, so that an operator's drain issued meanwhile (or taken over,
// see Inventory::act) outlives the deployment's step.
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {

Status Inventory::commitNode(const LoadedNode& loaded, NodeState from, std::string cause) {
  Txn txn;
  txn.expect(keys::node(loaded.node.id), loaded.mod_revision)
      .put(keys::node(loaded.node.id), toJson(loaded.node).dump());
  PHOTON_CHECK(recordTransition(txn, loaded.node, from, std::move(cause)));
  PHOTON_CHECK(store_.commit(txn));
  return {};
}

Result<bool> Inventory::drainFor(const std::string& id, const std::string& owner) {
  return withRetries<bool>([&]() -> Result<bool> {
    PHOTON_TRY(auto loaded, requireNode(id));
    if (loaded.node.state != NodeState::kActive) return false;
    PHOTON_TRY(auto cluster, clusterOrEmpty());
    enterState(loaded.node, NodeState::kDraining, cluster.settings);
    loaded.node.drained_by = owner;
    loaded.node.last_error.clear();
    PHOTON_CHECK(commitNode(loaded, NodeState::kActive, owner + ": drain"));
    return true;
  });
}

Result<bool> Inventory::undrainFor(const std::string& id, const std::string& owner) {
  return withRetries<bool>([&]() -> Result<bool> {
    PHOTON_TRY(auto loaded, requireNode(id));
    // Empty: drained before drains had owners, by the deployment that asks (it recorded so).
    bool ours = loaded.node.drained_by == owner || loaded.node.drained_by.empty();
    if (!isDrainState(loaded.node.state) || !ours) return false;
    PHOTON_TRY(auto cluster, clusterOrEmpty());
    const NodeState from = loaded.node.state;
    enterState(loaded.node, NodeState::kActive, cluster.settings);
    PHOTON_CHECK(commitNode(loaded, from, owner + ": undrain"));
    return true;
  });
}

}  // namespace photon::coordinator
