// Which store changes are worth a control round at once rather than at the next timed one: a
// node's document (its lifecycle state, labels), what operators write (services, deployments,
// the cluster declaration), and the report of a node that a running deployment holds (its next
// wave waits on it). Other reports are not (every agent reports at least once a minute: at
// 1,000 nodes that would keep a control round running all the time), nor are the controllers'
// own output (desired documents, placement's memory), VM records (placement only reserves their
// memory) and the coordinators' liveness batches.
#pragma once

#include <optional>
#include <string_view>

namespace photon::coordinator {

inline bool wakesControl(std::string_view key) {
  constexpr std::string_view kPrefixes[] = {"nodes/", "services/", "deployments/"};
  for (auto prefix : kPrefixes) {
    if (key.starts_with(prefix)) return true;
  }
  return key == "cluster";
}

// The node whose report `key` is (observed/<id>): it wakes the control thread while a running
// deployment holds the node.
inline std::optional<std::string_view> reportingNode(std::string_view key) {
  constexpr std::string_view kObserved = "observed/";
  if (!key.starts_with(kObserved) || key.size() == kObserved.size()) return std::nullopt;
  return key.substr(kObserved.size());
}

}  // namespace photon::coordinator
