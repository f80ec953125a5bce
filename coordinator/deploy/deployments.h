// Deployments against the store: create (selector resolved, overlap refused), read, cancel, and
// the controller's round that advances every running deployment. A change is written as units
// (one node's progress with its desired document, the header, the release), guarded by their
// mod_revisions and split into transactions the store accepts (deployment_store.h says why a
// step cut short between two of them is completed by the next round); a conflict is retried
// (create, cancel) or left for the next round.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/deploy/deployment.h"
#include "coordinator/deploy/deployment_store.h"
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
  // Forgets the deployments that finished `retention_s` or more before `now`: each header first
  // (guarded by the revision it was read at), then its progress documents in chunks, each
  // chunk guarded by the header's absence (no step writes progress without its header).
  // Progress documents a coordinator left without their header (it died between the two) go on
  // the next call. Returns how many deployments were forgotten.
  [[nodiscard]] Result<int> forgetFinished(int64_t now, int64_t retention_s);

 private:
  // The controller's copy of a running deployment, brought up to date from what moved (a
  // 10,000-node record is a large parse; a round reads only the documents that changed).
  Result<StoredDeployment*> loadKept(const std::string& id);
  // What a round knows of a node: its document and report parsed again only when they moved.
  NodeInput nodeInput(const std::string& node_id);
  Result<Deployment> createOnce(const DeploymentRequest& request);
  Result<Deployment> cancelOnce(const std::string& id);
  Result<bool> advanceOne(const std::string& id);
  // The nodes that running deployments hold (all they listed, less those skipped at creation).
  Result<std::map<std::string, std::string>> heldNodes();
  // Writes the step from `before` to `next`: `header_first` for a cancel (its header decides
  // it), else the nodes first. `desired` stages each moved node's desired-document change into
  // its unit (and may complete its entry: the `previous` it read). The locks and the running
  // entry go last when `next` is final.
  using StageDesired = std::function<Status(const std::string& node_id, Txn& unit)>;
  Result<int64_t> writeStep(StoredDeployment& before, Deployment& next, bool header_first,
                            const StageDesired& desired);
  // The release of a final deployment: its locks, then its running entry.
  Status releaseUnits(const Deployment& d, std::vector<Txn>& units);

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
  std::map<std::string, StoredDeployment> records_;
  std::map<std::string, SeenNode> nodes_;
  // forgetFinished()'s memory of the headers it read (under tick_mutex_ too).
  struct HeaderSeen {
    int64_t mod_revision = 0;
    DeploymentState state = DeploymentState::kRunning;
    int64_t finished_at = 0;
  };
  std::map<std::string, HeaderSeen> headers_seen_;
};

}  // namespace photon::coordinator
