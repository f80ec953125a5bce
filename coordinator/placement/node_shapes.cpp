#include "coordinator/placement/node_shapes.h"

#include "common/api/node.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator::placement {
namespace nk = coordinator::keys;

bool NodeShapes::wanted(std::string_view key) {
  return key.starts_with(nk::kNodesPrefix);
}

void NodeShapes::attachFeed() {
  changed_.attach();
}

void NodeShapes::noteChanges(const std::vector<std::string>& keys, bool everything) {
  changed_.note(keys, everything);
}

common::Result<FleetShape> NodeShapes::shape() {
  common::MutexLock lock(mutex_);
  auto [fed, everything, dirty] = changed_.take();
  common::Status status = !fed || everything ? readAll() : common::Status{};
  if (fed && !everything) {
    for (const auto& key : dirty) {
      status = readNode(key.substr(std::string_view(nk::kNodesPrefix).size()));
      if (!status) break;
    }
  }
  if (!status) {
    changed_.invalidate();  // the next look reads everything
    return std::unexpected(status.error());
  }
  FleetShape out;
  out.any_capacity = !cpus_.empty();
  if (out.any_capacity) {
    out.max_cpu_millis = *cpus_.rbegin();
    out.max_memory_bytes = *memories_.rbegin();
  }
  for (const auto& [key, count] : label_keys_) out.label_keys.insert(key);
  return out;
}

common::Status NodeShapes::readAll() {
  PHOTON_TRY(auto range, store_.range(nk::kNodesPrefix));
  nodes_.clear();
  cpus_.clear();
  memories_.clear();
  label_keys_.clear();
  for (const auto& kv : range.kvs) {
    PHOTON_CHECK(readNode(kv.key.substr(std::string_view(nk::kNodesPrefix).size())));
  }
  return {};
}

common::Status NodeShapes::readNode(const std::string& id) {
  PHOTON_TRY(auto kv, store_.get(nk::node(id)));
  forget(id);
  if (!kv) return {};
  common::Json j = common::Json::parse(kv->value, nullptr, false);
  if (j.is_discarded()) {
    return common::fail(common::ErrorCode::kInternal, "stored " + kv->key + " is corrupt");
  }
  PHOTON_TRY(common::Node node, common::nodeFromJson(j));
  if (node.state == common::NodeState::kRetired) return {};
  Shape shape;
  shape.cpu_millis = node.facts.cpu.cores * 1000;  // as the scheduler counts it
  shape.memory_bytes = node.facts.memory_bytes;
  for (const auto& [key, value] : node.labels) shape.label_keys.push_back(key);
  keep(id, std::move(shape));
  return {};
}

void NodeShapes::forget(const std::string& id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  const Shape& old = it->second;
  if (FleetShape::capacityKnown(old.cpu_millis, old.memory_bytes)) {
    cpus_.erase(cpus_.find(old.cpu_millis));
    memories_.erase(memories_.find(old.memory_bytes));
  }
  for (const auto& key : old.label_keys) {
    if (--label_keys_[key] == 0) label_keys_.erase(key);
  }
  nodes_.erase(it);
}

void NodeShapes::keep(const std::string& id, Shape shape) {
  if (FleetShape::capacityKnown(shape.cpu_millis, shape.memory_bytes)) {
    cpus_.insert(shape.cpu_millis);
    memories_.insert(shape.memory_bytes);
  }
  for (const auto& key : shape.label_keys) ++label_keys_[key];
  nodes_[id] = std::move(shape);
}

}  // namespace photon::coordinator::placement
