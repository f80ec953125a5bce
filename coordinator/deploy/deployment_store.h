// A deployment across its keys: the header (deployments/d/<id>) and one progress document per
// node that has moved (deployments/p/<id>/<node>), read whole or brought up to date, and the
// units a step writes (store/chunked_commit.h packs them into transactions of at most the
// store's maxTxnOps).
//
// Why a step split into several transactions is safe. Each unit is one node's whole transition:
// its progress document, guarded by the revision it was read at, together with the change of
// its desired document that the transition implies (guarded by that document's revision, the
// one its `previous` was read from). A node's record therefore never disagrees with its desired
// system. Every chunk also compares the header's revision, so a cancel or another leader that
// wrote the header in between stops the rest. The header (the deployment's own state, reason,
// end) goes last, after the nodes, and the running index entry last of all.
//
// A coordinator that dies between two chunks (on etcd the nodes' chunks are in flight several at
// once, so any of them, not only a prefix) leaves some nodes moved and the others as they
// were, and the header as it was: exactly a state the rollout could have been in had the other
// nodes' reports come a round later, or had fewer nodes been started in that wave. The next
// leader reads header and progress as stored, and its round is advance() over that state: the
// in-flight nodes' reports are read again (they are still in the store), pending nodes are
// started up to max_parallel counted from the stored nodes (never more), a revert already
// begun on some nodes is begun on the rest (beginRevert skips the ones begun), and the header's
// state is derived again from the nodes. A header that reached a final state with its running
// entry still there (a release cut short, a cancel whose nodes were not all written) is
// completed by the round: the cancel applied to the nodes again (idempotent), then the locks and
// the running entry erased.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "coordinator/deploy/deployment.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

struct StoredDeployment {
  Deployment deployment;
  int64_t header_revision = 0;
  Json header_nodes = Json::array();  // the header's node list as stored (written at creation)
  std::map<std::string, int64_t> progress_revisions;  // node id -> its progress document's
  std::map<std::string, size_t> position;             // node id -> index in deployment.nodes
};

// The header and every progress document. kNotFound when there is no such deployment.
[[nodiscard]] Result<StoredDeployment> readDeployment(Store& store, const std::string& id);
// Brings `kept` up to date: read again whole when the header moved, else only the progress
// documents whose revision moved. Returns whether anything was read.
[[nodiscard]] Result<bool> refreshDeployment(Store& store, StoredDeployment& kept);

// Whether the header's own fields differ (state, reason, end): the header is written only then.
bool headerMoved(const Deployment& before, const Deployment& after);
// The units of a step: a node's progress document (guarded by the revision it was read at),
// and the header with its stored node list.
Txn progressUnit(const StoredDeployment& before, const NodeRollout& next);
Txn headerUnit(const StoredDeployment& before, const Deployment& next);

}  // namespace photon::coordinator
