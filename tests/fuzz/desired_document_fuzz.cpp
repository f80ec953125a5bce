// The desired document as the agent's run loop receives it from the coordinator: parsed and
// checked (agent/run/run_loop.cpp), each present section validated by its domain's parser (the
// same functions the reconcilers' validate() call), then kept on disk and read back
// (agent/run/desired_cache.cpp) — a document the agent accepted must survive its restart.
#include <cstdlib>

#include "agent/bgp/bgp_config.h"
#include "agent/run/desired_cache.h"
#include "agent/units/instance_spec.h"
#include "common/api/system_spec.h"
#include "common/api/vm_spec.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto document = common::parseJsonBody(fuzz::asText(data, size));
  if (!document) return 0;
  bool valid = true;
  if (auto it = document->find("system"); it != document->end() && !it->is_null()) {
    valid = valid && common::parseSystemSpec(*it).has_value();
  }
  if (auto it = document->find("units"); it != document->end() && !it->is_null()) {
    valid = valid && agent::checkSection(*it).has_value();
  }
  if (auto it = document->find("vms"); it != document->end() && !it->is_null()) {
    valid = valid && common::parseVmSection(*it, common::VmLimits{}).has_value();
  }
  if (auto it = document->find("bgp"); it != document->end() && !it->is_null()) {
    valid = valid && agent::parseBgpConfig(*it).has_value();
  }
  if (!valid) return 0;
  auto cached = agent::decodeDesiredCache(agent::encodeDesiredCache(*document));
  if (!cached || *cached != *document) std::abort();  // the cache must give the document back
  return 0;
}
