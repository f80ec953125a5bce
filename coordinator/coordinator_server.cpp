#include "coordinator/coordinator_server.h"

#include <algorithm>

#include "common/log.h"
#include "coordinator/api/power_routes.h"
#include "coordinator/api/service_routes.h"
#include "coordinator/api/ui_routes.h"
#include "coordinator/control/control_wake.h"
#include "coordinator/deploy/deployment_controller.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/inventory/liveness_sharing.h"
#include "coordinator/placement/placement_controller.h"
#include "coordinator/vms/vm_service.h"

namespace photon::coordinator {

CoordinatorServer::CoordinatorServer(std::unique_ptr<Store> store, const common::Clock& clock,
                                     CoordinatorOptions options)
    : store_(std::move(store)),
      clock_(clock),
      options_(std::move(options)),
      liveness_(clock.nowSeconds()),
      leadership_(std::make_unique<SoleLeader>("local")) {
  inventory_ = std::make_unique<Inventory>(*store_, clock_, liveness_);
  inventory_->setOptions(InventoryOptions{.max_discovered = options_.max_discovered});
  inventory_->attachDeadlineFeed();  // fed by the change listener set below
  auth_ = std::make_unique<Authenticator>(options_.admin_token_hash, options_.bootstrap_token_hash,
                                          *inventory_);
  context_.reset(
      new ApiContext{*inventory_, *store_, *auth_, metrics_, liveness_, options_.max_wait});
  context_->leadership = leadership_.get();
  certificates_ = std::make_unique<NodeCertificates>(*inventory_, *store_, options_.node_ca,
                                                     options_.node_certificate_validity);
  context_->certificates = certificates_.get();
  if (certificates_->issuing()) {
    auth_->setCertificateCheck(
        [c = certificates_.get()](const std::string& node, const std::string& serial) {
          return c->isCurrent(node, serial);
        });
  }
  auth_->requireNodeCertificates(options_.require_node_certificates);
  // One VM service for the API and placement, kept up to date by the store's changes.
  auto vms = std::make_shared<VmService>(*inventory_, *store_);
  vms->attachFeed();
  context_->vms = vms;
  router_ = std::make_unique<Router>(metrics_);
  registerAllRoutes(*router_, *context_);
  services_ = std::make_unique<placement::ServiceStore>(*inventory_, *store_);
  services_->attachFeed();
  registerServiceRoutes(*router_, *context_, *services_);
  // The power service itself (it talks to BMCs) is a controller main() adds with its flags.
  registerPowerRoutes(*router_, *context_);
  // The web console and the fleet watch it follows.
  registerUiRoutes(*router_);
  registerWatchRoutes(*router_, *context_);
  auto placement = std::make_unique<placement::PlacementController>(
      *services_, liveness_, placement::PlacementOptions{}, vms);
  placement->attachFeed();
  placement_ = placement.get();
  inventory_->setDrainCompleteCheck(
      [p = placement.get()](const std::string& id) { return p->drainComplete(id); });
  addController(std::move(placement));
  addController(
      std::make_unique<DeploymentController>(*inventory_, *store_, options_.deployment_retention));

  HttpServerOptions http;
  http.host = options_.host;
  http.port = options_.port;
  http.tls = options_.tls;
  http.limits = options_.limits;
  http.io_threads = options_.io_threads;
  http.worker_threads = options_.worker_threads;
  http_ = std::make_unique<HttpServer>(*router_, metrics_, std::move(http));
  // A held long-poll is answered the moment its key changes, whoever wrote it; a report, a
  // node change or an API write wakes the control thread.
  inventory_->attachTokenFeed();
  store_->setChangeListener(
      [this, server = http_.get(), vms](const std::vector<std::string>& keys, bool everything) {
        vms->noteChanges(keys, everything);
        inventory_->noteNodeChanges(keys, everything);
        placement_->noteChanges(keys, everything);
        services_->noteChanges(keys, everything);
        if (everything) {
          server->notifyAll();
        } else {
          server->notifyChanged(keys);
          if (watchWakes(keys)) server->notifyChanged({std::string(kWatchKey)});
        }
        // (Store reads here come from the store's memory: no I/O on the watch thread.)
        auto wakes = [this](const std::string& key) {
          if (wakesControl(key)) return true;
          auto node = reportingNode(key);
          if (!node) return false;
          auto lock = store_->get(keys::deploymentLock(std::string(*node)));
          return lock && lock->has_value();
        };
        if (everything || std::any_of(keys.begin(), keys.end(), wakes)) wakeControl();
      });
}

CoordinatorServer::~CoordinatorServer() {
  stop();
  // The etcd store's watch thread runs until the store is destroyed, after the edge.
  store_->setChangeListener({});
}

common::Result<int> CoordinatorServer::start() {
  PHOTON_TRY(port_, http_->start());
  sweep_thread_ = std::thread([this] { sweepLoop(); });
  return port_;
}

void CoordinatorServer::stop() {
  {
    common::MutexLock lock(sweep_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  sweep_cv_.notify_all();
  if (liveness_sharing_) liveness_sharing_->stop();
  http_->stop();
  if (sweep_thread_.joinable()) sweep_thread_.join();
}

void CoordinatorServer::shareLiveness(const std::string& coordinator_id) {
  if (liveness_sharing_) return;
  liveness_sharing_ = std::make_unique<LivenessSharing>(
      *inventory_, *store_, liveness_, coordinator_id, [this] { return leadership_->isLeader(); });
  context_->liveness_sharing = liveness_sharing_.get();
  liveness_sharing_->start();
}

void CoordinatorServer::wakeControl() {
  // Not asking the leadership here: the store's watch thread calls this, also while main is
  // still setting the leadership up. On a follower a woken round returns at once.
  if (!options_.wake_on_changes) return;
  {
    common::MutexLock lock(sweep_mutex_);
    wake_ = true;
  }
  sweep_cv_.notify_all();
}

void CoordinatorServer::addController(std::unique_ptr<Controller> controller) {
  controllers_.push_back(std::move(controller));
}

void CoordinatorServer::setLeadership(std::unique_ptr<Leadership> leadership) {
  leadership_ = std::move(leadership);
  context_->leadership = leadership_.get();
}

void CoordinatorServer::sweepOnce() {
  if (!leadership_->isLeader()) return;
  // Newly leading: what this coordinator knows of the agents may lag by a publication of the
  // others' polls, so nobody is missing for one TTL from now (with SQLite there is no change).
  const uint64_t changes = leadership_->changes();
  if (grace_given_at_change_.exchange(changes) != changes) {
    liveness_.graceFrom(clock_.nowSeconds());
    common::logNotice("leading: no node counts as missing for one TTL from now");
    for (auto& controller : controllers_) controller->leadershipGained();
  }
  ++control_rounds_;
  auto moved = inventory_->expireDeadlines();
  if (!moved) {
    common::logWarning("deadline sweep: " + moved.error().message + ", retrying next round");
  } else if (*moved > 0) {
    common::logNotice("deadline sweep: " + std::to_string(*moved) + " node(s) changed state");
  }
  for (auto& controller : controllers_) controller->tick();
}

void CoordinatorServer::sweepLoop() {
  using Steady = std::chrono::steady_clock;
  common::MutexLock lock(sweep_mutex_);
  auto last_end = Steady::now();
  while (!stopping_) {
    lock.waitUntil(sweep_cv_, last_end + options_.sweep_interval, [this] {
      sweep_mutex_.assertHeld();  // the predicate runs under the lock
      return stopping_ || wake_;
    });
    if (stopping_) break;
    if (wake_ && lock.waitUntil(sweep_cv_, last_end + options_.min_round_gap, [this] {
          sweep_mutex_.assertHeld();  // the predicate runs under the lock
          return stopping_;
        })) {
      break;
    }
    wake_ = false;
    lock.unlock();
    sweepOnce();
    lock.lock();
    last_end = Steady::now();
  }
}

}  // namespace photon::coordinator
