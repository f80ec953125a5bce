// Everything a running coordinator is, wired together: store, inventory, API, the deadline
// sweeper. main() and the tests both start it this way.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "coordinator/api/routes.h"
#include "coordinator/control/controller.h"
#include "coordinator/control/leadership.h"
#include "coordinator/deploy/deployment_controller.h"
#include "coordinator/edge/http_server.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

namespace placement {
class PlacementController;
class ServiceStore;
}  // namespace placement
class LivenessSharing;

struct CoordinatorOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string admin_token_hash;
  std::string bootstrap_token_hash;
  std::optional<TlsFiles> tls;  // unset: plain HTTP (loopback tests and demos, or --insecure-http)
  EdgeLimits limits;
  int io_threads = 2;
  int worker_threads = 16;
  std::chrono::seconds max_wait{60};
  std::chrono::milliseconds sweep_interval{1000};
  // A report, a node change or an API write wakes the control thread at once (control_wake.h);
  // a woken round starts no sooner than this after the last one ended, so that changes arriving
  // together share one round.
  std::chrono::milliseconds min_round_gap{20};
  bool wake_on_changes = true;  // off: rounds only every sweep_interval (benches that time them)
  // The cluster CA that signs the nodes' client certificates (unset: none are issued).
  std::optional<common::pki::Authority> node_ca;
  std::chrono::seconds node_certificate_validity{30 * 86400};
  // Nodes must present their client certificate; their token alone only fetches the first one.
  bool require_node_certificates = false;
  // New machines that may wait in discovered at once (0: no cap).
  int64_t max_discovered = 1024;
  DeploymentRetention deployment_retention;
};

class CoordinatorServer {
 public:
  CoordinatorServer(std::unique_ptr<Store> store, const common::Clock& clock,
                    CoordinatorOptions options);
  ~CoordinatorServer();

  // Binds and starts serving (the edge's threads and the control thread); returns the port.
  [[nodiscard]] common::Result<int> start();
  void stop();
  int port() const { return port_; }
  // Long-polls the edge holds right now.
  size_t heldPolls() const { return http_->heldPolls(); }
  Inventory& inventory() { return *inventory_; }
  // The store every domain is wired to (main hands it to the power service; tests read it).
  Store& store() { return *store_; }
  // Runs one control round now (the control thread runs one every sweep_interval): the
  // lifecycle deadline sweep, then every controller's tick. Nothing runs unless this
  // coordinator leads.
  void sweepOnce();
  // Controllers and leadership are set up before start().
  void addController(std::unique_ptr<Controller> controller);
  void setLeadership(std::unique_ptr<Leadership> leadership);
  const Leadership& leadership() const { return *leadership_; }
  // Shares liveness with the other coordinators on this store (etcd) under `coordinator_id`
  // (liveness_sharing.h). Call after start(); without it liveness is this coordinator's own.
  void shareLiveness(const std::string& coordinator_id);
  // Asks the control thread for a round now; asks made before it starts share that round.
  void wakeControl();
  // Control rounds run on this coordinator (while leading), timed and woken.
  uint64_t controlRounds() const { return control_rounds_.load(); }
  // The placement controller (benches read how much its last round planned).
  placement::PlacementController& placement() { return *placement_; }

 private:
  void sweepLoop();

  std::unique_ptr<Store> store_;
  const common::Clock& clock_;
  CoordinatorOptions options_;
  LivenessTracker liveness_;
  std::unique_ptr<Inventory> inventory_;
  HttpMetrics metrics_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<NodeCertificates> certificates_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<placement::ServiceStore> services_;  // placement: the API's and controller's
  std::unique_ptr<Leadership> leadership_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  placement::PlacementController* placement_ = nullptr;  // one of controllers_, fed by changes
  std::unique_ptr<LivenessSharing> liveness_sharing_;
  // The leadership change count when this coordinator last took the lead: a new one gives
  // every node a TTL of grace.
  std::atomic<uint64_t> grace_given_at_change_{0};
  std::atomic<uint64_t> control_rounds_{0};
  std::thread sweep_thread_;
  common::Mutex sweep_mutex_;
  std::condition_variable sweep_cv_;
  bool stopping_ GUARDED_BY(sweep_mutex_) = false;
  bool wake_ GUARDED_BY(sweep_mutex_) = false;
  int port_ = 0;
};

}  // namespace photon::coordinator
