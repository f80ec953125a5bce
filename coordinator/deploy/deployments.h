// Deployments against the store: create (selector resolved, overlap refused), read, cancel, and
// the controller's round that advances every running deployment. Each change is one
// transaction over the deployment record and the desired documents it writes, guarded by
// their mod_revisions; a conflict is retried (create, cancel) or left for the next round.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/deploy/deployment.h"
#include "coordinator/deploy/rollout.h"
#include "coordinator/inventory/inventory.h"

namespace photon::coordinator {

class Deployments {
 public:
  Deployments(Inventory& inventory, Store& store) : inventory_(inventory), store_(store) {}

  [[nodiscard]] Result<Deployment> create(const DeploymentRequest& request);
  [[nodiscard]] Result<Deployment> get(const std::string& id);
  // Newest first, at most `limit`.
  [[nodiscard]] Result<std::vector<Deployment>> list(size_t limit);
  [[nodiscard]] Result<Deployment> cancel(const std::string& id);
  // Advances every running deployment by one step; returns how many changed.
  [[nodiscard]] Result<int> tick();

 private:
  struct Loaded {
    Deployment deployment;
    int64_t mod_revision = 0;
  };
  Result<Loaded> load(const std::string& id);
  // load() for the controller: the record as it last read or wrote it while its mod_revision
  // stays (a 10,000-node record is a large parse, a round reads it only when it moved).
  Result<Loaded> loadKept(const std::string& id);
  // What a round knows of a node: its document and report parsed again only when they moved.
  NodeInput nodeInput(const std::string& node_id);
  Result<Deployment> createOnce(const DeploymentRequest& request);
  Result<Deployment> cancelOnce(const std::string& id);
  Result<bool> advanceOne(const std::string& id);
  // The running index entry and the node locks go when the deployment ends.
  Status releaseIfFinal(Txn& txn, const Deployment& d);

  Inventory& inventory_;
  Store& store_;
  // The controller's memory (tick() only, under tick_mutex_): the running deployments' records
  // and the nodes they looked at, each with the mod_revisions it was read at.
  struct SeenNode {
    int64_t node_revision = -1;
    int64_t observed_revision = -1;
    std::optional<common::Node> node;  // nullopt: gone
    Json report = nullptr;             // its observed "system" domain
  };
  std::mutex tick_mutex_;
  std::map<std::string, Loaded> records_;
  std::map<std::string, SeenNode> nodes_;
};

}  // namespace photon::coordinator
