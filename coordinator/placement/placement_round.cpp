#include "coordinator/placement/placement_round.h"

#include <algorithm>

namespace photon::coordinator::placement {

std::vector<ServiceOutput> placeAll(std::vector<ServiceInput> inputs, const World& world,
                                    const HeldByOthers& others) {
  std::vector<ServiceOutput> out;
  out.reserve(inputs.size());
  std::vector<ExistingAllocation> existing;
  for (auto& in : inputs) {
    ServiceOutput o{std::move(in.spec), {}, std::nullopt};
    observeHealth(in.state, world);
    if (!o.spec.core()) {
      if (auto target = revertTarget(o.spec, in.state)) {
        auto reverted = serviceFromJson(*target, o.spec.name);
        if (reverted) {
          // The reverted spec stays its owner's: a declared service reverts as declared.
          bool declared = o.spec.declared;
          o.spec = std::move(*reverted);
          o.spec.declared = declared;
          o.reverted_spec = toJson(o.spec);
          if (declared) (*o.reverted_spec)[kOwnerField] = kDeclarationOwner;
        } else {
          in.state.reverted_from.clear();
          in.state.paused_reason = "cannot revert: the last healthy spec no longer parses";
        }
      }
    }
    o.round = planService(o.spec, std::move(in.state), world);
    addExisting(o.spec, o.round.state, existing);
    out.push_back(std::move(o));
  }
  std::vector<Demand> demands;
  demands.reserve(out.size());
  for (const auto& o : out) demands.push_back(demandFor(o.spec, o.round, world));
  const bool wanted = std::any_of(demands.begin(), demands.end(), [](const Demand& d) {
    return d.count > 0 || d.global || !d.pinned_nodes.empty();
  });
  // Nothing asked of the scheduler: its empty answer is what it would say.
  std::vector<DemandResult> results(demands.size());
  if (wanted) {
    // The world's nodes are a map by id: the fleet's order already.
    Fleet fleet;
    fleet.nodes.reserve(world.nodes.size());
    fleet.held.reserve(world.nodes.size());
    for (const auto& [id, n] : world.nodes) fleet.add(n.sched);
    for (const auto& r : world.reserved) {
      if (size_t i = fleet.find(r.node); i < fleet.nodes.size()) {
        fleet.held[i].cpu_millis += r.resources.cpu_millis;
        fleet.held[i].memory_bytes += r.resources.memory_bytes;
      }
    }
    if (others) others(fleet);
    results = schedule(fleet, existing, demands);
  }
  for (size_t i = 0; i < out.size(); ++i) applyResult(out[i].spec, out[i].round, results[i], world);
  return out;
}

}  // namespace photon::coordinator::placement
