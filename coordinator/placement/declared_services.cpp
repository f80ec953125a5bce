#include "coordinator/placement/declared_services.h"

#include <map>
#include <set>

#include "coordinator/inventory/keys.h"
#include "coordinator/placement/service_store.h"

namespace photon::coordinator::placement {
namespace {
using common::ErrorCode;
using common::fail;

common::Error under(common::Error e, const std::string& path, const std::string& name) {
  e.field = e.field.empty() ? path : path + "." + e.field;
  e.message = "service '" + name + "': " + e.message;
  return e;
}
}  // namespace

Result<std::vector<ServiceSpec>> declaredServicesOf(const common::Cluster& cluster) {
  std::vector<ServiceSpec> out;
  auto it = cluster.extra.find("services");
  if (it == cluster.extra.end() || it->is_null()) return out;
  if (!it->is_array()) return common::invalid("services", "must be a list");
  if (it->size() > 10000) return common::invalid("services", "has more than 10000 services");
  std::set<std::string> names;
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string path = "services[" + std::to_string(i) + "]";
    const Json& entry = (*it)[i];
    PHOTON_CHECK(common::requireObject(entry, path));
    PHOTON_TRY(std::string name, common::readString(entry, "name", path));
    auto spec = serviceFromJson(entry, name);
    if (!spec) return std::unexpected(under(spec.error(), path, name));
    if (!names.insert(name).second) {
      return common::invalid(path + ".name", "service '" + name + "' is declared twice");
    }
    spec->declared = true;
    out.push_back(std::move(*spec));
  }
  return out;
}

Result<DeclarationApplied> applyDeclaration(Inventory& inventory, Store& store,
                                            const common::Cluster& cluster) {
  PHOTON_TRY(auto declared, declaredServicesOf(cluster));
  PHOTON_TRY(auto nodes, inventory.listNodes({}));
  std::vector<SchedulerNode> sched;
  for (const auto& n : nodes.nodes) {
    if (n.state != common::NodeState::kRetired) sched.push_back(schedulerNodeOf(n));
  }
  const FleetShape shape = FleetShape::of(sched);
  DeclarationApplied applied;
  for (size_t i = 0; i < declared.size(); ++i) {
    const std::string path = "services[" + std::to_string(i) + "]";
    auto check = checkAgainstCluster(declared[i], cluster, shape);
    if (!check) return std::unexpected(under(check.error(), path, declared[i].name));
    for (const auto& w : check->warnings) {
      applied.warnings.push_back("service '" + declared[i].name + "': " + w);
    }
  }

  // What is stored now: name -> (mod_revision, text, owned by the declaration).
  PHOTON_TRY(auto range, store.range(keys::kServicesPrefix));
  struct Existing {
    int64_t mod_revision;
    std::string text;
    bool declared;
  };
  std::map<std::string, Existing> existing;
  for (const auto& kv : range.kvs) {
    PHOTON_TRY(Json j, parseStored(kv));
    bool owned = j.is_object() && j.value(kOwnerField, "") == kDeclarationOwner;
    existing[kv.key.substr(std::string(keys::kServicesPrefix).size())] = {kv.mod_revision, kv.value,
                                                                          owned};
  }

  Txn txn;
  txn.put(coordinator::keys::kCluster, common::toJson(cluster).dump());
  std::set<std::string> wanted;
  for (size_t i = 0; i < declared.size(); ++i) {
    const auto& spec = declared[i];
    wanted.insert(spec.name);
    std::string text = storedServiceText(spec);
    auto it = existing.find(spec.name);
    if (it == existing.end()) {
      txn.expectAbsent(keys::service(spec.name)).put(keys::service(spec.name), text);
      applied.created.push_back(spec.name);
    } else if (!it->second.declared) {
      return fail(ErrorCode::kConflict,
                  "service '" + spec.name +
                      "' was created through the API and is left to it: delete it there "
                      "(photonctl service delete " +
                      spec.name + ") or give the declared one another name",
                  "services[" + std::to_string(i) + "].name");
    } else if (it->second.text != text) {
      txn.expect(keys::service(spec.name), it->second.mod_revision)
          .put(keys::service(spec.name), text);
      applied.updated.push_back(spec.name);
    }
  }
  for (const auto& [name, e] : existing) {
    if (!e.declared || wanted.contains(name)) continue;
    txn.expect(keys::service(name), e.mod_revision).erase(keys::service(name));
    applied.deleted.push_back(name);
  }
  auto revision = store.commit(txn);
  if (!revision) {
    if (revision.error().code == ErrorCode::kConflict) {
      return fail(ErrorCode::kConflict,
                  "a service changed while the declaration was applied; retry", "services");
    }
    return std::unexpected(revision.error());
  }
  applied.revision = *revision;
  return applied;
}

}  // namespace photon::coordinator::placement
