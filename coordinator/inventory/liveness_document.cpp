#include "coordinator/inventory/liveness_document.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace photon::coordinator {
namespace {
using Json = nlohmann::json;

common::Error corrupt(const std::string& what) {
  return common::Error{common::ErrorCode::kInvalid, "liveness document: " + what, "liveness", {}};
}
}  // namespace

std::string encodeLivenessDocument(const LivenessDocument& doc) {
  std::map<int64_t, std::vector<const std::string*>> by_time;
  for (const auto& [node, at] : doc.seen) by_time[at].push_back(&node);
  Json seen = Json::array();
  for (auto& [at, nodes] : by_time) {
    Json ids = Json::array();
    for (const std::string* id : nodes) ids.push_back(*id);
    seen.push_back(Json{{"at", at}, {"nodes", std::move(ids)}});
  }
  return Json{{"coordinator", doc.coordinator},
              {"published_at", doc.published_at},
              {"seen", std::move(seen)}}
      .dump();
}

common::Result<LivenessDocument> decodeLivenessDocument(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return std::unexpected(corrupt("not a JSON object"));
  LivenessDocument doc;
  auto coordinator = j.find("coordinator");
  auto published = j.find("published_at");
  auto seen = j.find("seen");
  if (coordinator == j.end() || !coordinator->is_string()) {
    return std::unexpected(corrupt("coordinator must be a string"));
  }
  if (published == j.end() || !published->is_number_integer()) {
    return std::unexpected(corrupt("published_at must be an integer"));
  }
  if (seen == j.end() || !seen->is_array()) return std::unexpected(corrupt("seen must be a list"));
  doc.coordinator = coordinator->get<std::string>();
  doc.published_at = published->get<int64_t>();
  for (const auto& group : *seen) {
    auto at = group.is_object() ? group.find("at") : group.end();
    auto nodes = group.is_object() ? group.find("nodes") : group.end();
    if (at == group.end() || !at->is_number_integer() || nodes == group.end() ||
        !nodes->is_array()) {
      return std::unexpected(corrupt("each seen entry needs at and nodes"));
    }
    int64_t when = at->get<int64_t>();
    for (const auto& id : *nodes) {
      if (!id.is_string()) return std::unexpected(corrupt("node ids must be strings"));
      int64_t& slot = doc.seen[id.get<std::string>()];
      slot = std::max(slot, when);
    }
  }
  return doc;
}

PollTimes mergeLivenessDocuments(const std::vector<const LivenessDocument*>& docs,
                                 int64_t fresh_since) {
  PollTimes merged;
  for (const LivenessDocument* doc : docs) {
    if (doc->published_at < fresh_since) continue;
    for (const auto& [node, at] : doc->seen) {
      int64_t when = std::min(at, doc->published_at);
      auto [it, inserted] = merged.try_emplace(node, when);
      if (!inserted) it->second = std::max(it->second, when);
    }
  }
  return merged;
}

}  // namespace photon::coordinator
