// POST /api/v1/phone-home: the body any holder of the ISO's bootstrap token can send
// (common/api/node.cpp, facts in common/api/facts.cpp). A request that is accepted is stored
// with the node and must read back.
#include <cstdlib>

#include "common/api/node.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = common::parseJsonBody(fuzz::asText(data, size));
  if (!body) return 0;
  auto request = common::phoneHomeFromJson(*body);
  if (!request) return 0;
  auto again = common::parseJsonBody(common::dumpJson(common::toJson(*request)));
  if (!again || !common::phoneHomeFromJson(*again)) std::abort();
  return 0;
}
