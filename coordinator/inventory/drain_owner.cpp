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
  bool drained = false;
  PHOTON_CHECK(act(id, NodeAction::kDrain, owner, owner, &drained));
  return drained;
}

Result<bool> Inventory::undrainFor(const std::string& id, const std::string& owner) {
  bool undrained = false;
  PHOTON_CHECK(act(id, NodeAction::kUndrain, owner, owner, &undrained));
  return undrained;
}

}  // namespace photon::coordinator
