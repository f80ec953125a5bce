// The desired document's "system" section (the nixos domain): the generation to run, its
// substituters, activation mode and health gate (common/api/system_spec.cpp).
#include "common/api/system_spec.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto section = fuzz::parseSection(fuzz::asText(data, size));
  if (!section) return 0;
  auto spec = common::parseSystemSpec(*section);
  if (spec) fuzz::mustDump(common::toJson(*spec));  // the journal keeps it
  return 0;
}
