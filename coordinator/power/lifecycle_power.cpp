#include "coordinator/power/lifecycle_power.h"

#include "common/log.h"
#include "coordinator/power/bmc_records.h"
#include "coordinator/power/power_records.h"

namespace photon::coordinator::power {
namespace {

using common::Json;

// The last lifecycle step's operations for a node (a node has one step at a time: the next
// action replaces the record). Beside power/<node>, apart from it: the power service owns that.
std::string stepKey(const std::string& node_id) {
  return "power-lifecycle/" + node_id;
}

common::Status recordStep(Store& store, const std::string& node_id, const std::string& action,
                          const std::vector<std::string>& ids, int64_t now) {
  Txn txn;
  txn.put(stepKey(node_id),
          Json{{"action", action}, {"operations", ids}, {"requested_at", now}}.dump());
  PHOTON_TRY(int64_t revision, store.commit(txn));
  (void)revision;
  return {};
}

// The state a lifecycle action leaves the node in.
std::optional<common::NodeState> stateOf(const std::string& action) {
  if (action == "reprovision") return common::NodeState::kReprovisioning;
  if (action == "rescue") return common::NodeState::kRescue;
  if (action == "retire") return common::NodeState::kRetired;
  if (action == "installed") return common::NodeState::kActive;
  return std::nullopt;
}

}  // namespace

common::Json powerForLifecycle(Inventory& inventory, Store& store, const common::Node& node,
                               const std::string& action) {
  if (!stateOf(action)) return nullptr;
  auto cluster = inventory.clusterOrEmpty();
  if (!cluster) return Json{{"error", cluster.error().message}};
  auto bmc = findBmc(store, *cluster, node.id, &node);
  if (!bmc) {
    if (bmc.error().code == common::ErrorCode::kNotFound) return nullptr;
    return Json{{"error", bmc.error().message}};
  }
  std::vector<PowerJob> jobs;
  if (action == "retire") {
    jobs.push_back(PowerJob{node.id, "", PowerJob::Kind::kPower, PowerAction::kOff, {}, action});
  } else {
    // Once installed, the disk: the installer's override was for one boot, but firmware boot
    // orders that put the network or the CD first are common.
    BootDevice device = action == "installed" ? BootDevice::kDisk : bmc->installer;
    jobs.push_back(PowerJob{node.id, "", PowerJob::Kind::kBoot, {}, device, action});
    jobs.push_back(PowerJob{node.id, "", PowerJob::Kind::kPower, PowerAction::kCycle, {}, action});
  }
  const int64_t now = inventory.clock().nowSeconds();
  auto ids = requestOperations(store, node.id, std::move(jobs), now);
  if (!ids) return Json{{"error", ids.error().message}};
  // Without the record the node would not show a failure of these operations: say so, but the
  // operations are queued and run.
  if (auto recorded = recordStep(store, node.id, action, *ids, now); !recorded) {
    return Json{{"operations", *ids}, {"error", "recording the step: " + recorded.error().message}};
  }
  return Json{{"operations", *ids}};
}

void afterObserved(Inventory& inventory, Store& store, const common::Node& before) {
  if (before.state != common::NodeState::kInstallPending &&
      before.state != common::NodeState::kInstalling) {
    return;
  }
  auto now = inventory.getNode(before.id);
  if (!now || now->state != common::NodeState::kActive) return;
  Json steps = powerForLifecycle(inventory, store, *now, "installed");
  if (steps.is_null()) return;  // no BMC: the installer reboots the machine, or an operator
  if (steps.contains("error")) {
    common::logWarning("node " + before.id +
                       ": installed: power: " + steps["error"].get<std::string>());
  } else {
    common::logNotice("node " + before.id + ": installed: booting it from its disk (" +
                      std::to_string(steps["operations"].size()) + " power operations)");
  }
}

common::Json lifecyclePowerStep(Store& store, const common::Node& node) {
  auto kv = store.get(stepKey(node.id));
  if (!kv) return nullptr;
  const std::optional<KeyValue>& found = *kv;  // one reference, as clang-tidy can follow it
  if (!found) return nullptr;
  auto step = parseStored(*found);
  if (!step || !step->is_object() || !(*step)["operations"].is_array()) return nullptr;
  // A step belongs to the state its action moved the node to; once the node has left it (the
  // machine came up and phoned home, an operator moved it on), the step is history.
  if (stateOf(step->value("action", "")) != node.state) return nullptr;
  Json out = *step;
  auto status = powerStatus(store, node.id);
  Json history = Json::array();
  if (status) {
    const auto& known = *status;
    if (known) history = known->value("history", Json::array());
  }
  // The bounded history may have dropped an operation of the step when it is full of later
  // ones: the machine was driven since, and the step counts as done.
  const bool history_moved_on =
      history.size() >= kMaxHistory &&
      history[0].value("finished_at", int64_t{0}) >= step->value("requested_at", int64_t{0});
  // The first failure decides; every operation done and none failed is ok.
  std::string result = "ok";
  for (const auto& id : (*step)["operations"]) {
    const Json* entry = nullptr;
    for (const auto& h : history) {
      // JSON to JSON: clang 19 finds a string == json comparison ambiguous (C++20's reversed
      // operators), g++ does not.
      if (h.value("id", Json("")) == id) entry = &h;
    }
    if (!entry) {
      if (!history_moved_on) result = "pending";
      continue;
    }
    if (entry->value("result", "") == "failed") {
      out["operation"] = id;
      out["op"] = entry->value("op", "");
      out["error"] = entry->value("error", "");
      out["failed_at"] = entry->value("finished_at", int64_t{0});
      result = "failed";
      break;
    }
  }
  out["result"] = result;
  return out;
}

common::Result<common::Json> retryLifecyclePower(Inventory& inventory, Store& store,
                                                 const common::Node& node) {
  Json step = lifecyclePowerStep(store, node);
  if (step.is_null()) {
    return common::fail(common::ErrorCode::kConflict,
                        "node " + node.id + " (" + std::string(common::toString(node.state)) +
                            ") has no lifecycle power step to retry");
  }
  if (step["result"] != "failed") {
    return common::fail(common::ErrorCode::kConflict,
                        "the last lifecycle power step of node " + node.id + " (" +
                            step.value("action", "") + ") is " + step.value("result", "") +
                            ", not failed");
  }
  const std::string action = step.value("action", "");
  Json queued = powerForLifecycle(inventory, store, node, action);
  if (queued.is_null()) {
    return common::fail(common::ErrorCode::kConflict, "node " + node.id + " has no BMC any more");
  }
  if (!queued.contains("operations")) {
    return common::fail(common::ErrorCode::kUnavailable, queued.value("error", "not queued"));
  }
  queued["action"] = action;
  return queued;
}

}  // namespace photon::coordinator::power
