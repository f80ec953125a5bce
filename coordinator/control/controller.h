// A background loop of the coordinator: deployments, placement, lifecycle deadlines. The
// server's control thread ticks every controller in turn, and only while this coordinator is
// the leader, so that two coordinators sharing a store never both act on the same decision.
#pragma once

#include <string>

namespace photon::coordinator {

class Controller {
 public:
  virtual ~Controller() = default;
  // For logs and metrics: "deployments", "placement", ...
  virtual std::string name() const = 0;
  // One round of work; errors are logged by the controller itself and retried next round.
  virtual void tick() = 0;
  // This coordinator became the leader (also the first time): a controller that keeps state
  // between rounds reads the store again, since another leader may have written meanwhile.
  virtual void leadershipGained() {}
};

}  // namespace photon::coordinator
