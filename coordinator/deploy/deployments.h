// Deployments against the store: create (selector resolved, overlap refused), read, cancel, and
// the controller's round that advances every running deployment. Each change is one
// transaction over the deployment record and the desired documents it writes, guarded by
// their mod_revisions; a conflict is retried (create, cancel) or left for the next round.
#pragma once

#include <string>
#include <vector>

#include "coordinator/deploy/deployment.h"
#include "coordinator/inventory/inventory.h"

namespace photon::coordinator {

class Deployments {
 public:
  explicit Deployments(Inventory& inventory) : inventory_(inventory), store_(inventory.store()) {}

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
  Result<Deployment> createOnce(const DeploymentRequest& request);
  Result<Deployment> cancelOnce(const std::string& id);
  Result<bool> advanceOne(const std::string& id);
  // The running index entry and the node locks go when the deployment ends.
  Status releaseIfFinal(Txn& txn, const Deployment& d);

  Inventory& inventory_;
  Store& store_;
};

}  // namespace photon::coordinator
