#include "coordinator/deploy/deployment_store.h"

#include "common/error_context.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

// Puts one progress document over its node's entry. A document whose key and content disagree,
// or that names a node the header does not list, cannot come from this coordinator's writes:
// it is left out rather than stopping the deployment for good.
Status applyProgress(StoredDeployment& kept, const std::string& node_id, const KeyValue& kv) {
  auto at = kept.position.find(node_id);
  if (at == kept.position.end()) return {};
  PHOTON_TRY(Json j, parseStored(kv));
  PHOTON_TRY_CTX(NodeRollout node, nodeRolloutFromJson(j), "progress of node " + node_id);
  if (node.id != node_id) return {};
  kept.deployment.nodes[at->second] = std::move(node);
  kept.progress_revisions[node_id] = kv.mod_revision;
  return {};
}
}  // namespace

Result<StoredDeployment> readDeployment(Store& store, const std::string& id) {
  PHOTON_TRY(auto kv, store.get(keys::deployment(id)));
  if (!kv) return fail(ErrorCode::kNotFound, "no deployment " + id, "id");
  PHOTON_TRY(Json j, parseStored(*kv));
  StoredDeployment out;
  PHOTON_TRY(out.deployment, deploymentFromJson(j));
  out.header_revision = kv->mod_revision;
  if (auto nodes = j.find("nodes"); nodes != j.end() && nodes->is_array()) {
    out.header_nodes = std::move(*nodes);
  }
  for (size_t i = 0; i < out.deployment.nodes.size(); ++i) {
    out.position[out.deployment.nodes[i].id] = i;
  }
  const std::string prefix = keys::deploymentProgressPrefix(id);
  PHOTON_TRY(auto progress, store.range(prefix));
  for (const auto& doc : progress.kvs) {
    PHOTON_CHECK(applyProgress(out, doc.key.substr(prefix.size()), doc));
  }
  return out;
}

Result<bool> refreshDeployment(Store& store, StoredDeployment& kept) {
  const std::string& id = kept.deployment.id;
  PHOTON_TRY(int64_t header, store.modRevision(keys::deployment(id)));
  if (header != kept.header_revision) {
    PHOTON_TRY(kept, readDeployment(store, id));
    return true;
  }
  const std::string prefix = keys::deploymentProgressPrefix(id);
  PHOTON_TRY(auto revisions, store.revisions(prefix));
  bool read = false;
  for (const auto& [key, revision] : revisions) {
    const std::string node_id = key.substr(prefix.size());
    auto known = kept.progress_revisions.find(node_id);
    if (known != kept.progress_revisions.end() && known->second == revision) continue;
    PHOTON_TRY(auto kv, store.get(key));
    if (!kv) continue;  // gone since the listing: nothing to apply
    PHOTON_CHECK(applyProgress(kept, node_id, *kv));
    read = true;
  }
  return read;
}

bool headerMoved(const Deployment& before, const Deployment& after) {
  return before.state != after.state || before.reason != after.reason ||
         before.finished_at != after.finished_at;
}

Txn progressUnit(const StoredDeployment& before, const NodeRollout& next) {
  const std::string key = keys::deploymentProgress(before.deployment.id, next.id);
  auto known = before.progress_revisions.find(next.id);
  Txn unit;
  unit.expect(key, known == before.progress_revisions.end() ? 0 : known->second);
  unit.put(key, toJson(next).dump());
  return unit;
}

Txn headerUnit(const StoredDeployment& before, const Deployment& next) {
  Txn unit;
  unit.put(keys::deployment(next.id), headerJson(next, before.header_nodes).dump());
  return unit;
}

}  // namespace photon::coordinator
