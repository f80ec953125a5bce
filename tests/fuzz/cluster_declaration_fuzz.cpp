// PUT /api/v1/cluster: the declaration generated from Nix (common/api/cluster.cpp), parsed as
// the handler does and written back as the store keeps it; a stored declaration must read back.
#include <cstdlib>

#include "common/api/cluster.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = common::parseJsonBody(fuzz::asText(data, size));
  if (!body) return 0;
  auto cluster = common::clusterFromJson(*body);
  if (!cluster) return 0;
  auto stored = common::parseJsonBody(common::dumpJson(common::toJson(*cluster)));
  if (!stored || !common::clusterFromJson(*stored)) std::abort();
  return 0;
}
