// Where things live in the store. One place, so that both backends and every reader agree.
#pragma once

#include <cstdio>
#include <string>

namespace photon::coordinator::keys {

inline constexpr const char* kCluster = "cluster";
inline constexpr const char* kNodesPrefix = "nodes/";

inline std::string node(const std::string& id) {
  return kNodesPrefix + id;
}
// The node's token hash on its own, so the agents' hot path reads no large document.
inline std::string token(const std::string& id) {
  return "tokens/" + id;
}
// Token hash -> node id: who is calling, so that a node using another's URL gets a 403.
inline std::string tokenIndex(const std::string& hash) {
  return "idx/token/" + hash;
}
inline std::string desired(const std::string& id) {
  return "desired/" + id;
}
// The node's client certificate serials the coordinator issued and its SSH host key: deleted
// (the certificates revoked) when the node is reprovisioned or retired.
inline std::string certificate(const std::string& id) {
  return "certs/" + id;
}
inline std::string observed(const std::string& id) {
  return "observed/" + id;
}
// The node's last state changes (inventory/node_history.h).
inline std::string history(const std::string& id) {
  return "history/" + id;
}
// Each coordinator's batch of the polls it answered (inventory/liveness_sharing.h).
inline constexpr const char* kLivenessPrefix = "liveness/";
inline std::string liveness(const std::string& coordinator_id) {
  return kLivenessPrefix + coordinator_id;
}
// VMs the coordinator placed (coordinator/vms/): the record names the node it runs on.
inline constexpr const char* kVmsPrefix = "vms/";
inline std::string vm(const std::string& name) {
  return kVmsPrefix + name;
}
// Each VM's entry of its node's desired "vms" section, a key per VM so that a VM request writes
// its own entry and not the whole section (coordinator/vms/vm_section.h). The node's desired
// document keeps "vms": [] as the sign that its section is assembled from these.
inline std::string desiredVmsPrefix(const std::string& node_id) {
  return "desired-vms/" + node_id + "/";
}
inline std::string desiredVm(const std::string& node_id, const std::string& name) {
  return desiredVmsPrefix(node_id) + name;
}
// What the VMs placed on a node hold (count, memory, vCPUs), written with each of its entries:
// what a VM request checks its in-memory ledger against, without reading the node's section.
inline std::string vmHeld(const std::string& node_id) {
  return "vm-held/" + node_id;
}
inline std::string machineIndex(const std::string& machine_id) {
  return "idx/machine/" + machine_id;
}
inline std::string macIndex(const std::string& mac) {
  return "idx/mac/" + mac;
}
inline std::string serialIndex(const std::string& serial) {
  return "idx/serial/" + serial;
}
// Nodes in `discovered`, so that the cap on them is counted without reading every node.
inline constexpr const char* kDiscoveredPrefix = "idx/discovered/";
inline std::string discovered(const std::string& id) {
  return kDiscoveredPrefix + id;
}
inline std::string allocPrefix(const std::string& pool) {
  return "alloc/" + pool + "/";
}
// Deployments: the record's header and its nodes' progress documents, an index of the running
// ones (the controller reads only those), the running deployment that holds each node (what
// wakes the control thread on its report), the id counter.
inline constexpr const char* kDeploymentsPrefix = "deployments/d/";
inline constexpr const char* kDeploymentProgressPrefix = "deployments/p/";
inline constexpr const char* kRunningDeploymentsPrefix = "deployments/running/";
inline constexpr const char* kDeploymentLocksPrefix = "deployments/node/";
inline constexpr const char* kDeploymentSequence = "deployments/sequence";
inline std::string deployment(const std::string& id) {
  return kDeploymentsPrefix + id;
}
inline std::string deploymentProgressPrefix(const std::string& id) {
  return kDeploymentProgressPrefix + id + "/";
}
inline std::string deploymentProgress(const std::string& id, const std::string& node_id) {
  return deploymentProgressPrefix(id) + node_id;
}
inline std::string runningDeployment(const std::string& id) {
  return kRunningDeploymentsPrefix + id;
}
inline std::string deploymentLock(const std::string& node_id) {
  return kDeploymentLocksPrefix + node_id;
}
// Zero-padded so that key order is numeric order.
inline std::string alloc(const std::string& pool, int64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08lld", static_cast<long long>(index));
  return allocPrefix(pool) + buf;
}

}  // namespace photon::coordinator::keys
