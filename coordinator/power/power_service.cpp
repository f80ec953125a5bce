#include "coordinator/power/power_service.h"

#include <set>

#include "common/error_context.h"
#include "common/log.h"
#include "coordinator/power/bmc_records.h"
#include "coordinator/power/power_keys.h"
#include "coordinator/power/power_records.h"

namespace photon::coordinator::power {

PowerService::PowerService(Inventory& inventory, Store& store, PowerOptions options,
                           PowerManager::DriverFactory drivers)
    : inventory_(inventory), store_(store), options_(options) {
  manager_ = std::make_unique<PowerManager>(
      options_.manager, [this](const std::string& t) { return accessFor(t); },
      [this](const PowerOutcome& o) { record(o); }, std::move(drivers),
      [this](const PowerJob& job) { return mayStart(job); });
}

bool PowerService::mayStart(const PowerJob& job) {
  common::MutexLock lock(mutex_);
  if (std::chrono::steady_clock::now() - last_tick_ <= kLeadershipLapse) return true;
  // No longer leading: the job stays in the store for the next leader (or for this coordinator
  // when it leads again).
  if (!job.id.empty()) in_hand_.erase(job.id);
  return false;
}

common::Result<BmcAccess> PowerService::accessFor(const std::string& target) {
  PHOTON_TRY(common::Cluster cluster, inventory_.clusterOrEmpty());
  auto node = inventory_.getNode(target);
  PHOTON_TRY(BmcRecord record, findBmc(store_, cluster, target, node ? &*node : nullptr));
  return power::accessFor(store_, target, record);
}

void PowerService::record(const PowerOutcome& outcome) {
  const auto& job = outcome.job;
  {
    common::MutexLock lock(mutex_);
    if (PowerManager::isPoll(job)) {
      if (outcome.ok) {
        poll_failures_.erase(job.target);
      } else {
        ++poll_failures_[job.target];
      }
    } else if (outcome.ok) {
      poll_failures_.erase(job.target);  // the BMC answers again: back to the normal interval
    }
  }
  if (job.kind != PowerJob::Kind::kStatus || !job.id.empty()) {
    // An operation: one line for the operator's log; the BMC's words, never its password.
    std::string line = "power " + job.target + ": " + describeJob(job) +
                       (job.reason.empty() ? "" : " (" + job.reason + ")");
    if (outcome.ok) {
      common::logNotice(line + " done in " + std::to_string(outcome.took.count()) + " ms");
    } else {
      common::logWarning(line + " failed: " + outcome.error);
    }
  }
  if (auto stored = recordOutcome(store_, outcome, inventory_.clock().nowSeconds()); !stored) {
    common::logWarning("power " + job.target + ": record outcome: " + stored.error().message +
                       ", ignoring");
  }
  if (!job.id.empty()) {
    common::MutexLock lock(mutex_);
    in_hand_.erase(job.id);
  }
}

bool PowerService::submit(PowerJob job) {
  if (!job.id.empty()) {
    common::MutexLock lock(mutex_);
    in_hand_.insert(job.id);
  }
  PowerJob copy = job;
  if (manager_->submit(std::move(job))) return true;
  if (!copy.id.empty()) {
    record(PowerOutcome{copy, false, "too many operations queued for this BMC", {}, 0, {}});
  }
  return false;
}

common::Result<std::vector<std::string>> PowerService::targets() {
  PHOTON_TRY_CTX(RangeResult records, store_.range(keys::kBmcPrefix), "list the BMC records");
  PHOTON_TRY(common::Cluster cluster, inventory_.clusterOrEmpty());
  auto declared = cluster.extra.find("nodes");
  bool any_declared = false;
  if (declared != cluster.extra.end() && declared->is_array()) {
    for (const auto& d : *declared) {
      any_declared = any_declared || (d.is_object() && d.contains("bmc") && !d["bmc"].is_null());
    }
  }
  if (records.kvs.empty() && !any_declared) return std::vector<std::string>{};  // no BMC at all
  PHOTON_TRY(NodeList nodes, inventory_.listNodes({}));
  std::set<std::string> retired;
  for (const auto& n : nodes.nodes) {
    if (n.state == NodeState::kRetired) retired.insert(n.id);
  }
  // A retired machine is switched off and stays so: nothing to poll.
  std::set<std::string> out;
  for (const auto& kv : records.kvs) {
    std::string target = kv.key.substr(std::string(keys::kBmcPrefix).size());
    if (!retired.contains(target)) out.insert(target);
  }
  if (any_declared) {
    for (const auto& d : *declared) {
      if (!d.is_object() || !d.contains("bmc") || d["bmc"].is_null()) continue;
      std::string name = d.value("name", "");
      std::string target = name;  // not enrolled yet: its declared name
      for (const auto& n : nodes.nodes) {
        if (n.rule == "node-" + name && n.state != NodeState::kRetired) target = n.id;
      }
      if (!target.empty()) out.insert(target);
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

void PowerService::poll() {
  if (options_.poll_interval.count() == 0) return;
  auto now = std::chrono::steady_clock::now();
  const auto relist = std::max<std::chrono::steady_clock::duration>(std::chrono::seconds(1),
                                                                    options_.poll_interval / 4);
  if (targets_listed_ == SteadyTime{} || now - targets_listed_ >= relist) {
    auto list = targets();
    if (!list) {
      common::logWarning("power poll: " + list.error().message + ", retrying next round");
      return;
    }
    targets_ = std::move(*list);
    targets_listed_ = now;
  }
  const auto* list = &targets_;
  std::map<std::string, std::chrono::steady_clock::time_point> kept;
  std::map<std::string, int> failures;
  {
    common::MutexLock lock(mutex_);
    failures = poll_failures_;
  }
  for (const auto& target : *list) {
    auto last = polled_.find(target);
    // A BMC that keeps failing is asked half as often after each failure, down to 1/16.
    auto failed = failures.find(target);
    int slower = failed == failures.end() ? 0 : std::min(failed->second, 4);
    bool due =
        last == polled_.end() || now - last->second >= options_.poll_interval * (1 << slower);
    // A target busy with an operation reports its state when that ends.
    if (due && !manager_->busy(target)) {
      submit(PowerJob{target, "", PowerJob::Kind::kStatus, {}, {}, "poll"});
      kept[target] = now;
    } else if (last != polled_.end()) {
      kept[target] = last->second;
    }
  }
  polled_ = std::move(kept);  // forgotten targets are forgotten here too
}

void PowerService::takeQueued() {
  auto taken = takeRequests(store_, inventory_.clock().nowSeconds());
  if (!taken) {
    common::logWarning("power requests: " + taken.error().message + ", retrying next round");
    return;
  }
  for (auto& job : *taken) submit(std::move(job));
}

void PowerService::resumeOrphans(SteadyTime now) {
  // The previous leader may still be finishing an operation it started just before it stopped
  // leading; after one operation deadline (plus the lapse) from this takeover it cannot be.
  if (now - leading_since_ < options_.manager.deadline + kLeadershipLapse) return;
  auto held = runningOperations(store_);
  if (!held) {
    common::logWarning("power: running operations: " + held.error().message +
                       ", retrying next round");
    return;
  }
  for (auto& op : *held) {
    {
      common::MutexLock lock(mutex_);
      if (in_hand_.contains(op.job.id)) continue;
    }
    common::logNotice("power " + op.job.target + ": " + describeJob(op.job) + " (" + op.job.reason +
                      ") was taken by a leader that did not finish it; running it");
    submit(std::move(op.job));
  }
}

void PowerService::tick() {
  const auto now = std::chrono::steady_clock::now();
  {
    common::MutexLock lock(mutex_);
    if (now - last_tick_ > kLeadershipLapse) leading_since_ = now;  // a takeover, or the start
    last_tick_ = now;
  }
  takeQueued();
  resumeOrphans(now);
  poll();
}

}  // namespace photon::coordinator::power
