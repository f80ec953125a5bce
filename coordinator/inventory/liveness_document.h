// The batch of polls one coordinator publishes under liveness/<coordinator id>, and the merge
// of every coordinator's batches. Pure: LivenessSharing does the store I/O.
//
// The document groups nodes by the second they were last seen, so that at 10,000 nodes it stays
// near 40 bytes a node:
//   {"coordinator": "a:7480", "published_at": 1764683000,
//    "seen": [{"at": 1764682998, "nodes": ["n-1", "n-2"]}, ...]}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "coordinator/inventory/liveness.h"

namespace photon::coordinator {

struct LivenessDocument {
  std::string coordinator;
  int64_t published_at = 0;
  PollTimes seen;
};

std::string encodeLivenessDocument(const LivenessDocument& doc);
[[nodiscard]] common::Result<LivenessDocument> decodeLivenessDocument(std::string_view text);

// The newest poll of each node over the documents published no earlier than `fresh_since`
// (a coordinator whose own document is older has stopped; what it saw is as old). A poll is
// never counted later than its document's publication.
PollTimes mergeLivenessDocuments(const std::vector<const LivenessDocument*>& docs,
                                 int64_t fresh_since);

}  // namespace photon::coordinator
