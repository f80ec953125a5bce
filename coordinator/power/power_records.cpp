#include "coordinator/power/power_records.h"

#include <random>

#include "common/error_context.h"
#include "common/log.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/power/power_keys.h"

namespace photon::coordinator::power {
namespace {

using common::ErrorCode;
using common::fail;
using common::Json;

std::string newId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

Json jobToJson(const PowerJob& job) {
  Json j{{"id", job.id}, {"op", describeJob(job)}, {"reason", job.reason}};
  return j;
}

common::Result<PowerJob> jobFromJson(const Json& j, const std::string& target) {
  PowerJob job;
  job.target = target;
  PHOTON_TRY(job.id, common::readString(j, "id", "request"));
  PHOTON_TRY(job.reason, common::readString(j, "reason", "request", ""));
  PHOTON_TRY(std::string op, common::readString(j, "op", "request"));
  if (op.rfind("boot:", 0) == 0) {
    auto device = parseBootDevice(op.substr(5));
    if (!device) return common::invalid("request.op", "unknown boot device in '" + op + "'");
    job.kind = PowerJob::Kind::kBoot;
    job.device = *device;
  } else if (op == "status") {
    job.kind = PowerJob::Kind::kStatus;
  } else {
    auto action = parsePowerAction(op);
    if (!action) return common::invalid("request.op", "unknown power operation '" + op + "'");
    job.kind = PowerJob::Kind::kPower;
    job.action = *action;
  }
  return job;
}

// Adds to `txn` the removal of `job` from its target's running operations; false (and nothing
// added) when it is not there.
common::Result<bool> dropRunning(Store& store, Txn& txn, const PowerJob& job) {
  const std::string key = keys::running(job.target);
  PHOTON_TRY(auto kv, store.get(key));
  if (!kv) return false;
  PHOTON_TRY(Json doc, parseStored(*kv));
  if (!doc["ops"].is_array()) return false;
  Json kept = Json::array();
  for (const auto& op : doc["ops"]) {
    if (!(op.is_object() && op.value("id", "") == job.id)) kept.push_back(op);
  }
  if (kept.size() == doc["ops"].size()) return false;
  txn.expect(key, kv->mod_revision);
  if (kept.empty()) {
    txn.erase(key);
  } else {
    doc["ops"] = std::move(kept);
    txn.put(key, doc.dump());
  }
  return true;
}

}  // namespace

std::string describeJob(const PowerJob& job) {
  switch (job.kind) {
    case PowerJob::Kind::kStatus:
      return "status";
    case PowerJob::Kind::kPower:
      return std::string(toString(job.action));
    case PowerJob::Kind::kBoot:
      return "boot:" + std::string(toString(job.device));
  }
  return "status";
}

common::Result<std::vector<std::string>> requestOperations(Store& store, const std::string& target,
                                                           std::vector<PowerJob> jobs,
                                                           int64_t now) {
  for (auto& job : jobs) job.id = newId();
  auto attempt = [&]() -> common::Result<std::vector<std::string>> {
    PHOTON_TRY_CTX(auto kv, store.get(keys::requests(target)),
                   "read the queued power operations of " + target);
    Json doc{{"ops", Json::array()}};
    if (kv) {
      PHOTON_TRY(doc, parseStored(*kv));
    }
    Json& ops = doc["ops"];
    if (!ops.is_array()) ops = Json::array();
    if (ops.size() + jobs.size() > kMaxQueuedRequests) {
      return fail(ErrorCode::kTooMany,
                  target + " already has " + std::to_string(ops.size()) +
                      " power operations waiting for its BMC",
                  "action");
    }
    std::vector<std::string> ids;
    for (const auto& job : jobs) {
      Json j = jobToJson(job);
      j["requested_at"] = now;
      ops.push_back(j);
      ids.push_back(job.id);
    }
    Txn txn;
    txn.expect(keys::requests(target), kv ? kv->mod_revision : 0);
    txn.put(keys::requests(target), doc.dump());
    PHOTON_TRY(int64_t revision, store.commit(txn));
    (void)revision;
    return ids;
  };
  return withRetries<std::vector<std::string>>(attempt);
}

common::Result<std::vector<PowerJob>> takeRequests(Store& store, int64_t now) {
  PHOTON_TRY_CTX(RangeResult queued, store.range(keys::kRequestsPrefix),
                 "list the queued power operations");
  std::vector<PowerJob> out;
  for (const auto& kv : queued.kvs) {
    std::string target = kv.key.substr(std::string(keys::kRequestsPrefix).size());
    auto doc = parseStored(kv);
    std::vector<PowerJob> jobs;
    Json taken = Json::array();
    if (!doc || !(*doc)["ops"].is_array()) {
      // Only coordinators write it: a hand edit or a bug. Said, then removed, or it would
      // block the node's queue for good.
      common::logWarning("power " + target + ": queued operations unreadable (" +
                         (doc ? std::string("no \"ops\" list") : doc.error().message) +
                         "), dropped: " + std::to_string(kv.value.size()) + " bytes");
    } else {
      for (const auto& op : (*doc)["ops"]) {
        auto job = jobFromJson(op, target);
        if (!job) {
          common::ignoreError(job, "power " + target + ": a queued operation",
                              "it cannot run; the others do");
          continue;
        }
        Json entry = op;
        entry["taken_at"] = now;
        taken.push_back(std::move(entry));
        jobs.push_back(std::move(*job));
      }
    }
    // Moved, not removed: until its outcome is stored, an operation is in power-running/.
    const std::string running_key = keys::running(target);
    PHOTON_TRY_CTX(auto running, store.get(running_key),
                   "read the running power operations of " + target);
    Json held{{"ops", Json::array()}};
    if (running) {
      if (auto parsed = parseStored(*running); parsed && (*parsed)["ops"].is_array()) {
        held = *parsed;
      } else {
        // What it held cannot be finished or shown anyway; replaced rather than left to block
        // every later operation, and said so.
        common::logWarning("power " + target + ": running operations unreadable (" +
                           (parsed ? std::string("no \"ops\" list") : parsed.error().message) +
                           "), replaced: " + std::to_string(running->value.size()) + " bytes");
      }
    }
    for (auto& entry : taken) held["ops"].push_back(std::move(entry));
    Txn txn;
    txn.expect(kv.key, kv.mod_revision).erase(kv.key);
    txn.expect(running_key, running ? running->mod_revision : 0);
    if (held["ops"].empty()) {
      if (running) txn.erase(running_key);
    } else {
      txn.put(running_key, held.dump());
    }
    auto committed = store.commit(txn);
    if (!committed) {
      if (isStoreConflict(committed.error())) continue;  // a request came in: next round
      return std::unexpected(committed.error());
    }
    for (auto& job : jobs) out.push_back(std::move(job));
  }
  return out;
}

common::Result<std::vector<RunningOperation>> runningOperations(Store& store) {
  PHOTON_TRY_CTX(RangeResult held, store.range(keys::kRunningPrefix),
                 "list the running power operations");
  std::vector<RunningOperation> out;
  for (const auto& kv : held.kvs) {
    std::string target = kv.key.substr(std::string(keys::kRunningPrefix).size());
    auto doc = parseStored(kv);
    if (!doc || !(*doc)["ops"].is_array()) continue;
    for (const auto& op : (*doc)["ops"]) {
      auto job = jobFromJson(op, target);
      if (!job) {
        common::ignoreError(job, "power " + target + ": a running operation",
                            "it cannot be resumed; the others are");
        continue;
      }
      int64_t taken_at = op.contains("taken_at") && op["taken_at"].is_number_integer()
                             ? op["taken_at"].get<int64_t>()
                             : 0;
      out.push_back(RunningOperation{std::move(*job), taken_at});
    }
  }
  return out;
}

common::Status recordOutcome(Store& store, const PowerOutcome& outcome, int64_t now) {
  const std::string key = keys::status(outcome.job.target);
  auto attempt = [&]() -> common::Result<bool> {
    PHOTON_TRY_CTX(auto kv, store.get(key), "read the power status of " + outcome.job.target);
    Json doc = Json::object();
    if (kv) {
      PHOTON_TRY(doc, parseStored(*kv));
    }
    if (outcome.ok) {
      if (outcome.state) doc["state"] = std::string(toString(*outcome.state));
      if (!doc.contains("state")) doc["state"] = "unknown";
      doc["error"] = "";
    } else {
      // A BMC that does not answer leaves the state unknown: the machine may be either way.
      doc["state"] = "unknown";
      doc["error"] = outcome.error;
      doc["errors"] = doc.value("errors", int64_t{0}) + 1;
    }
    doc["checked_at"] = now;
    if (outcome.job.kind != PowerJob::Kind::kStatus || !outcome.job.id.empty()) {
      Json entry = jobToJson(outcome.job);
      entry["result"] = outcome.ok ? "ok" : "failed";
      if (!outcome.ok) entry["error"] = outcome.error;
      entry["finished_at"] = now;
      entry["took_ms"] = outcome.took.count();
      entry["attempts"] = outcome.attempts;
      Json history = doc.value("history", Json::array());
      history.push_back(entry);
      while (history.size() > kMaxHistory) history.erase(history.begin());
      doc["history"] = history;
    }
    Txn txn;
    txn.expect(key, kv ? kv->mod_revision : 0).put(key, doc.dump());
    if (!outcome.job.id.empty()) {
      PHOTON_TRY(bool held, dropRunning(store, txn, outcome.job));
      (void)held;
    }
    PHOTON_TRY(int64_t revision, store.commit(txn));
    (void)revision;
    return true;
  };
  PHOTON_TRY(bool done, withRetries<bool>(attempt));
  (void)done;
  return {};
}

common::Result<std::optional<Json>> powerStatus(Store& store, const std::string& target) {
  PHOTON_TRY_CTX(auto status, store.get(keys::status(target)),
                 "read the power status of " + target);
  PHOTON_TRY(auto queued, store.get(keys::requests(target)));
  PHOTON_TRY(auto running, store.get(keys::running(target)));
  if (!status && !queued && !running) return std::nullopt;
  Json out{{"state", "unknown"}, {"error", ""}, {"checked_at", 0}, {"history", Json::array()}};
  if (status) {
    PHOTON_TRY(Json doc, parseStored(*status));
    for (auto& [k, v] : doc.items()) out[k] = v;
  }
  Json pending = Json::array();
  if (queued) {
    PHOTON_TRY(Json doc, parseStored(*queued));
    if (doc["ops"].is_array()) pending = doc["ops"];
  }
  out["queued"] = pending;
  Json taken = Json::array();
  if (running) {
    PHOTON_TRY(Json doc, parseStored(*running));
    if (doc["ops"].is_array()) taken = doc["ops"];
  }
  out["running"] = taken;
  return out;
}

}  // namespace photon::coordinator::power
