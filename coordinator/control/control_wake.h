// Which store changes are worth a control round at once rather than at the next timed one: an
// agent's report (a deployment wave or a rolling update waits on it), a node's document (its
// lifecycle state, labels), and what operators write (services, VMs, deployments, the cluster
// declaration). The controllers' own output (desired documents, placement's memory) and the
// coordinators' liveness batches are not: they would only wake the round that wrote them.
#pragma once

#include <string_view>

namespace photon::coordinator {

inline bool wakesControl(std::string_view key) {
  constexpr std::string_view kPrefixes[] = {"observed/", "nodes/", "services/", "vms/",
                                            "deployments/"};
  for (auto prefix : kPrefixes) {
    if (key.starts_with(prefix)) return true;
  }
  return key == "cluster";
}

}  // namespace photon::coordinator
