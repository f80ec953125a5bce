// Bounds on what the bootstrap token can make: every copy of the ISO holds it, so a loop of
// phone-homes must not grow the inventory without end. New machines wait in `discovered` (no
// address: one is taken from a pool only once an operator or a declared rule approves the
// node), and only so many may wait at once.
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {

void Inventory::stageDiscoveredIndex(Txn& txn, const std::string& id, std::optional<NodeState> from,
                                     NodeState to) {
  const bool was = from == NodeState::kDiscovered;
  const bool is = to == NodeState::kDiscovered;
  // Put again while it stays discovered: a node from before the index existed joins it.
  if (is) txn.put(keys::discovered(id), "");
  if (was && !is) txn.erase(keys::discovered(id));
}

Status Inventory::checkDiscoveredCap() {
  if (options_.max_discovered <= 0) return {};
  PHOTON_TRY(auto waiting, store_.range(keys::kDiscoveredPrefix));
  // Enrolments deciding now count with those still committing.
  const auto count = static_cast<int64_t>(waiting.kvs.size() +
                                          phone_home_commits_.pendingPuts(keys::kDiscoveredPrefix));
  if (count < options_.max_discovered) return {};
  ++refused_by_cap_;
  return common::fail(common::ErrorCode::kTooMany,
                      std::to_string(count) +
                          " machines already wait in discovered (the limit): "
                          "approve or retire some (photonctl nodes --state discovered), or raise "
                          "the limit, before more enrol",
                      "machine_id");
}

Result<EnrolmentStats> Inventory::enrolmentStats() {
  EnrolmentStats stats;
  stats.max_discovered = options_.max_discovered;
  stats.refused_by_cap = refused_by_cap_.load();
  PHOTON_TRY(auto waiting, store_.range(keys::kDiscoveredPrefix));
  stats.discovered = static_cast<int64_t>(waiting.kvs.size());
  PHOTON_TRY(auto cluster, clusterOrEmpty());
  for (const auto& pool : cluster.pools) {
    PHOTON_TRY(auto taken, store_.range(keys::allocPrefix(pool.name)));
    stats.pools.push_back(
        {pool.name, static_cast<int64_t>(taken.kvs.size()), static_cast<int64_t>(pool.size())});
  }
  return stats;
}

}  // namespace photon::coordinator
