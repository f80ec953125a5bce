// The per-node documents agents exchange with the coordinator: desired (read by the agent) and
// observed (written by it).
#include <set>

#include "common/api/install_report.h"
#include "common/error_context.h"
#include "common/validate.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;
}  // namespace

Result<Document> Inventory::desired(const std::string& id) {
  PHOTON_TRY_CTX(auto kv, store_.get(keys::desired(id)), "read node " + id + "'s desired state");
  Document doc;
  doc.body = Json::object();
  if (kv) {
    PHOTON_TRY(doc.body, parseStored(*kv));
    doc.revision = kv->mod_revision;
  }
  doc.body["node_id"] = id;
  doc.body["revision"] = doc.revision;
  return doc;
}

Result<Document> Inventory::servedDesired(const std::string& id) {
  // The document first, the entries after: entries newer than the revision served are harmless
  // (the next poll sees a newer revision and fetches again), older ones would be missed.
  PHOTON_TRY(Document doc, desired(id));
  auto vms = doc.body.find("vms");
  // A section written whole (a list, by an older coordinator) is served as it is; the VM
  // service's marker (vms/vm_section.h) is replaced by the node's entries.
  if (vms == doc.body.end() || !vms->is_object() || !vms->contains("entries_under")) return doc;
  PHOTON_TRY_CTX(auto entries, store_.range(keys::desiredVmsPrefix(id)),
                 "read node " + id + "'s VM entries");
  *vms = Json::array();
  for (const auto& kv : entries.kvs) {
    PHOTON_TRY(Json spec, parseStored(kv));
    vms->push_back(std::move(spec));
  }
  return doc;
}

Result<int64_t> Inventory::desiredRevision(const std::string& id) {
  return store_.modRevision(keys::desired(id));
}

Result<int64_t> Inventory::setDesiredSection(const std::string& id, const std::string& section,
                                             const Json& value) {
  if (section == "units" && value.is_array()) {
    // An instance becomes the unit photon-<name>.service: never one Photon runs itself.
    for (size_t i = 0; i < value.size(); ++i) {
      const Json& unit = value[i];
      if (!unit.is_object() || !unit.contains("name") || !unit["name"].is_string()) continue;
      std::string name = unit["name"];
      if (common::isReservedInstanceName(name)) {
        return common::invalid("units[" + std::to_string(i) + "].name",
                               "'" + name + "' is reserved: its unit would be photon-" +
                                   (name.starts_with("photon-") ? name.substr(7) : name) +
                                   ".service, which Photon runs itself");
      }
    }
  }
  return withRetries<int64_t>([&]() -> Result<int64_t> {
    PHOTON_TRY(auto node, store_.get(keys::node(id)));
    if (!node) return fail(ErrorCode::kNotFound, "no node " + id, "id");
    Txn txn;
    PHOTON_TRY(int64_t compared, stageDesiredSection(txn, id, section, value));
    (void)compared;
    return store_.commit(txn);
  });
}

Result<int64_t> Inventory::stageDesiredSection(Txn& txn, const std::string& id,
                                               const std::string& section, const Json& value) {
  PHOTON_TRY(Document current, desired(id));
  const int64_t revision = current.revision;
  stageDesiredSection(txn, id, std::move(current), section, value);
  return revision;
}

void Inventory::stageDesiredSection(Txn& txn, const std::string& id, Document current,
                                    const std::string& section, const Json& value) {
  Json& body = current.body;
  // Filled in as the document is served (desired()), never stored.
  body.erase("node_id");
  body.erase("revision");
  if (value.is_null()) {
    body.erase(section);
  } else {
    body[section] = value;
  }
  txn.expect(keys::desired(id), current.revision);  // 0: it must still be absent
  txn.put(keys::desired(id), body.dump());
}

Result<Document> Inventory::observed(const std::string& id) {
  PHOTON_TRY_CTX(auto kv, store_.get(keys::observed(id)), "read node " + id + "'s report");
  if (!kv) return Document{Json::object(), 0};
  PHOTON_TRY(Json body, parseStored(*kv));
  return Document{std::move(body), kv->mod_revision};
}

Result<int64_t> Inventory::putObserved(const std::string& id, const Json& observed) {
  PHOTON_TRY(auto report, common::installReportFromObserved(observed));
  liveness_.seen(id, clock_.nowSeconds());
  return withRetries<int64_t>([&]() -> Result<int64_t> {
    PHOTON_TRY(auto loaded, requireNode(id));
    PHOTON_TRY(auto cluster, clusterOrEmpty());
    Node& node = loaded.node;
    Txn txn;
    if (report) {
      using S = NodeState;
      using P = common::InstallPhase;
      const P phase = report->phase;
      const S state = node.state;
      const bool installing = state == S::kInstallPending || state == S::kInstalling;
      std::optional<S> next;
      if (phase == P::kInstalling && installing) {
        if (state == S::kInstallPending) next = S::kInstalling;
      } else if (phase == P::kInstalled && installing) {
        next = S::kActive;
      } else if (phase == P::kFailed && installing) {
        next = S::kInstallFailed;
        node.last_error = report->error.substr(0, 4096);
      } else if (!(phase == P::kInstalled && state == S::kActive)) {
        return fail(ErrorCode::kConflict,
                    "install phase '" + std::string(common::toString(phase)) +
                        "' does not apply to a node in state " +
                        std::string(common::toString(state)),
                    "install.phase");
      }
      if (next) {
        enterState(node, *next, cluster.settings);
        if (*next != S::kInstallFailed) node.last_error.clear();
        PHOTON_CHECK(recordTransition(txn, node, state,
                                      "install report: " + std::string(common::toString(phase))));
        txn.expect(keys::node(id), loaded.mod_revision).put(keys::node(id), toJson(node).dump());
      }
    }
    Json stored = observed;
    stored["reported_at"] = clock_.nowSeconds();
    txn.put(keys::observed(id), stored.dump());
    return store_.commit(txn);
  });
}

}  // namespace photon::coordinator
