// The placement controller: each round (on the leader only) reads the nodes, their liveness and
// reports, the services and placement's memory; plans every service (failover, drain, scale,
// rolling update, auto_revert); asks the pure scheduler for nodes; stores what changed; and
// rewrites the "units" and "bgp" sections of the nodes whose share changed.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <string>

#include "coordinator/control/controller.h"
#include "coordinator/inventory/liveness.h"
#include "coordinator/placement/node_sections.h"
#include "coordinator/placement/world.h"
#include "coordinator/placement/service_store.h"
#include "coordinator/vms/vm_service.h"

namespace photon::coordinator::placement {

struct PlacementOptions {
  // How long a node stays missing before its instances are placed elsewhere (the cluster
  // declaration's "placement": {"failover_grace_s"} overrides it).
  int64_t failover_grace_s = 60;
};

class PlacementController final : public Controller {
 public:
  // `vms`: the VmService the API writes through, fed by the store's changes (its totals are
  // then kept, not recounted); without one the controller keeps its own.
  PlacementController(ServiceStore& services, LivenessTracker& liveness,
                      PlacementOptions options = {}, std::shared_ptr<VmService> vms = nullptr)
      : services_(services),
        vms_(vms ? std::move(vms) : std::make_shared<VmService>(services.inventory())),
        liveness_(liveness),
        options_(options) {}

  std::string name() const override { return "placement"; }
  void tick() override;

  // The drain-complete hook (Inventory::setDrainCompleteCheck).
  bool drainComplete(const std::string& node_id) { return services_.nothingRunsOn(node_id); }

 private:
  common::Status round();
  // The world's nodes without their liveness, re-read only where a node's document changed
  // (an idle round at 10,000 nodes parsed all of them: 17 % of the coordinator's CPU).
  common::Status refreshNodes();
  common::Status writeNodeSections(const common::Cluster& cluster, const World& world,
                                   const std::vector<PlacedService>& placed);

  ServiceStore& services_;
  std::shared_ptr<VmService> vms_;  // kept: it keeps what the VMs hold per node
  LivenessTracker& liveness_;
  PlacementOptions options_;
  std::mutex mutex_;  // one round at a time (the control thread and sweepOnce() in tests)
  // Per node, the signature of what this coordinator last wrote (or found) there, to skip
  // unchanged nodes cheaply. Forgotten every kRecheckRounds rounds, so that an edit by another
  // writer (a hand edit, a coordinator that led before) is corrected within a minute.
  static constexpr int kRecheckRounds = 60;
  int rounds_since_recheck_ = 0;
  std::map<std::string, std::string> written_;
  struct CachedNode {
    int64_t mod_revision = 0;
    std::optional<NodeView> view;  // nullopt: retired (or not a node document)
  };
  std::unordered_map<std::string, CachedNode> nodes_;  // by store key, under mutex_
};

}  // namespace photon::coordinator::placement
