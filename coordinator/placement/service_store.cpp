#include "coordinator/placement/service_store.h"

#include "common/error_context.h"
#include "coordinator/placement/declared_services.h"
#include "coordinator/placement/node_sections.h"

namespace photon::coordinator::placement {
namespace {
using common::ErrorCode;
using common::fail;
}  // namespace

SchedulerNode schedulerNodeOf(const common::Node& node) {
  SchedulerNode n;
  n.id = node.id;
  n.labels = node.labels;
  n.class_name = node.class_name;
  n.pool = node.pool;
  n.capacity.cpu_millis = node.facts.cpu.cores * 1000;
  n.capacity.memory_bytes = node.facts.memory_bytes;
  return n;
}

std::string storedServiceText(const ServiceSpec& spec) {
  Json j = toJson(spec);
  if (spec.declared) j[kOwnerField] = kDeclarationOwner;
  return j.dump();
}

Result<ServiceSpec> storedServiceFromJson(Json j, const std::string& name) {
  bool declared = false;
  if (j.is_object() && j.contains(kOwnerField)) {
    declared = j[kOwnerField] == kDeclarationOwner;
    j.erase(kOwnerField);
  }
  PHOTON_TRY(ServiceSpec spec, serviceFromJson(j, name));
  spec.declared = declared;
  return spec;
}

std::string ownerOf(const ServiceSpec& spec) {
  return spec.declared || spec.core() ? kDeclarationOwner : "api";
}

namespace {
common::Status refuseDeclared(const std::optional<KeyValue>& existing, const std::string& name) {
  if (!existing) return {};
  PHOTON_TRY(Json j, parseStored(*existing));
  if (j.is_object() && j.value(kOwnerField, "") == kDeclarationOwner) {
    return fail(ErrorCode::kConflict,
                "'" + name +
                    "' belongs to the cluster declaration: change its services there "
                    "and run photonctl cluster apply",
                "name");
  }
  return {};
}
}  // namespace

Result<PutServiceResult> ServiceStore::put(const std::string& name, const Json& body) {
  PHOTON_TRY(ServiceSpec spec, serviceFromJson(body, name));
  PHOTON_TRY(auto cluster, inventory_.clusterOrEmpty());
  PHOTON_TRY_CTX(auto shape, shapes_.shape(), "read the nodes' capacity and labels");
  PHOTON_TRY(auto check, checkAgainstCluster(spec, cluster, shape));
  PHOTON_TRY(auto existing, store_.get(keys::service(name)));
  PHOTON_CHECK(refuseDeclared(existing, name));
  Txn txn;
  if (existing) {
    txn.expect(keys::service(name), existing->mod_revision);
  } else {
    txn.expectAbsent(keys::service(name));
  }
  txn.put(keys::service(name), storedServiceText(spec));
  auto revision = store_.commit(txn);
  if (!revision) {
    if (revision.error().code == ErrorCode::kConflict) {
      return fail(ErrorCode::kConflict, "service " + name + " changed concurrently; retry", "name");
    }
    return std::unexpected(revision.error());
  }
  return PutServiceResult{std::move(spec), *revision, !existing, std::move(check.warnings)};
}

Result<int64_t> ServiceStore::remove(const std::string& name) {
  PHOTON_CHECK(common::checkName("name", name));
  PHOTON_TRY(auto existing, store_.get(keys::service(name)));
  if (!existing) {
    PHOTON_TRY(auto cluster, inventory_.clusterOrEmpty());
    for (const auto& core : coreServicesOf(cluster).services) {
      if (core.name == name) {
        return fail(ErrorCode::kConflict,
                    "'" + name + "' is a core service: change the cluster declaration", "name");
      }
    }
    return fail(ErrorCode::kNotFound, "no service " + name, "name");
  }
  PHOTON_CHECK(refuseDeclared(existing, name));
  Txn txn;
  txn.expect(keys::service(name), existing->mod_revision).erase(keys::service(name));
  return store_.commit(txn);
}

Result<std::map<std::string, Stored<ServiceSpec>>> ServiceStore::loadServices() {
  PHOTON_TRY(auto range, store_.range(keys::kServicesPrefix));
  std::map<std::string, Stored<ServiceSpec>> out;
  for (const auto& kv : range.kvs) {
    std::string name = kv.key.substr(std::string(keys::kServicesPrefix).size());
    PHOTON_TRY(Json j, parseStored(kv));
    auto spec = storedServiceFromJson(std::move(j), name);
    if (!spec) {
      return fail(ErrorCode::kInternal, "stored service " + name + " no longer parses: " +
                                            spec.error().field + ": " + spec.error().message);
    }
    out[name] = {std::move(*spec), kv.mod_revision, {}};
  }
  return out;
}

Result<std::map<std::string, Stored<PlacementState>>> ServiceStore::loadStates() {
  PHOTON_TRY(auto range, store_.range(keys::kPlacementPrefix));
  std::map<std::string, Stored<PlacementState>> out;
  for (const auto& kv : range.kvs) {
    std::string name = kv.key.substr(std::string(keys::kPlacementPrefix).size());
    PHOTON_TRY(Json j, parseStored(kv));
    PHOTON_TRY(auto state, placementStateFromJson(j));
    state.service = name;
    out[name] = {std::move(state), kv.mod_revision, kv.value};
  }
  return out;
}

Result<std::optional<ServiceSpec>> ServiceStore::findSpec(const std::string& name, bool& core) {
  PHOTON_CHECK(common::checkName("name", name));
  PHOTON_TRY(auto cluster, inventory_.clusterOrEmpty());
  for (auto& spec : coreServicesOf(cluster).services) {
    if (spec.name == name) {
      core = true;
      return std::optional<ServiceSpec>(std::move(spec));
    }
  }
  core = false;
  PHOTON_TRY(auto kv, store_.get(keys::service(name)));
  if (!kv) return std::optional<ServiceSpec>{};
  PHOTON_TRY(Json j, parseStored(*kv));
  PHOTON_TRY(auto spec, storedServiceFromJson(std::move(j), name));
  return std::optional<ServiceSpec>(std::move(spec));
}

Json ServiceStore::statusOf(const ServiceSpec& spec, const std::optional<PlacementState>& state) {
  Json status = {{"instance_revision", instanceRevision(spec)}};
  InstanceCounts counts;
  Json unplaced = Json::array();
  if (state) {
    counts = countInstances(*state);
    for (const auto& u : state->unplaced)
      unplaced.push_back({{"slot", u.slot}, {"reason", u.reason}});
    status["last_healthy_revision"] = state->last_healthy_revision;
    if (!state->reverted_from.empty()) {
      status["reverted_from"] = state->reverted_from;
      status["revert_reason"] = state->revert_reason;
    }
    if (!state->paused_reason.empty()) status["paused_reason"] = state->paused_reason;
  }
  status["placed"] = counts.placed;
  status["healthy"] = counts.healthy;
  status["lost"] = counts.lost;
  status["unplaced"] = unplaced;
  return status;
}

Result<Json> ServiceStore::list() {
  PHOTON_TRY(auto cluster, inventory_.clusterOrEmpty());
  PHOTON_TRY(auto services, loadServices());
  PHOTON_TRY(auto states, loadStates());
  Json out = Json::array();
  auto add = [&](const ServiceSpec& spec, bool core) {
    std::optional<PlacementState> state;
    if (auto it = states.find(spec.name); it != states.end()) state = it->second.value;
    Json j = {{"name", spec.name},
              {"core", core},
              {"owner", ownerOf(spec)},
              {"status", statusOf(spec, state)}};
    if (spec.global) {
      j["global"] = true;
    } else {
      j["replicas"] = spec.replicas;
    }
    out.push_back(std::move(j));
  };
  for (const auto& spec : coreServicesOf(cluster).services) add(spec, true);
  for (const auto& [name, stored] : services) add(stored.value, false);
  return Json{{"services", out}, {"revision", store_.revision()}};
}

Result<Json> ServiceStore::show(const std::string& name) {
  bool core = false;
  PHOTON_TRY(auto spec, findSpec(name, core));
  if (!spec) return fail(ErrorCode::kNotFound, "no service " + name, "name");
  PHOTON_TRY(auto kv, store_.get(keys::placement(name)));
  std::optional<PlacementState> state;
  if (kv) {
    PHOTON_TRY(Json j, parseStored(*kv));
    PHOTON_TRY(state, placementStateFromJson(j));
  }
  return Json{{"name", name},
              {"core", core},
              {"owner", ownerOf(*spec)},
              {"spec", toJson(*spec)},
              {"status", statusOf(*spec, state)},
              {"revision", store_.revision()}};
}

Result<Json> ServiceStore::allocations(const std::string& name) {
  bool core = false;
  PHOTON_TRY(auto spec, findSpec(name, core));
  if (!spec) return fail(ErrorCode::kNotFound, "no service " + name, "name");
  PHOTON_TRY(auto kv, store_.get(keys::placement(name)));
  Json allocations = Json::array(), unplaced = Json::array();
  if (kv) {
    PHOTON_TRY(Json j, parseStored(*kv));
    PHOTON_TRY(auto state, placementStateFromJson(j));
    for (const auto& a : state.allocations) {
      Json out = toJson(a);
      out["state"] = a.lost ? "lost" : !a.replaces.empty() ? "replacing" : "placed";
      if (auto node = inventory_.getNode(a.node)) out["hostname"] = node->hostname;
      allocations.push_back(std::move(out));
    }
    for (const auto& u : state.unplaced) {
      Json out = {{"slot", u.slot}, {"reason", u.reason}};
      if (!u.replaces.empty()) out["replaces"] = u.replaces;
      unplaced.push_back(std::move(out));
    }
  }
  return Json{{"service", name},
              {"allocations", allocations},
              {"unplaced", unplaced},
              {"revision", kv ? kv->mod_revision : 0}};
}

bool ServiceStore::nothingRunsOn(const std::string& node_id) {
  auto states = loadStates();
  if (!states) return false;
  for (const auto& [name, stored] : *states) {
    for (const auto& a : stored.value.allocations) {
      if (!a.lost && a.node == node_id) return false;
    }
  }
  auto desired = inventory_.desired(node_id);
  if (!desired) return false;
  if (auto units = desired->body.find("units"); units != desired->body.end() && units->is_array()) {
    for (const auto& entry : *units) {
      if (entry.is_object() && entry.contains(kPlacedBy)) return false;
    }
  }
  auto observed = inventory_.observed(node_id);
  if (!observed) return false;
  const Json& body = observed->body;
  bool reports_units =
      body.contains("domains") && body["domains"].is_object() && body["domains"].contains("units");
  if (!reports_units) return true;  // no units domain there: nothing of ours can run
  // The agent stops what its desired state no longer lists once it has applied that revision.
  auto applied = body.find("desired_revision");
  return applied != body.end() && applied->is_number_integer() &&
         applied->get<int64_t>() >= desired->revision;
}

}  // namespace photon::coordinator::placement
