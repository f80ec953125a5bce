// The desired document's "units" section: its shape, then every instance on its own, as
// agent/units/units_reconciler.cpp reads them.
#include <string>

#include "agent/units/instance_spec.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto section = fuzz::parseSection(fuzz::asText(data, size));
  if (!section || !agent::checkSection(*section) || !section->is_array()) return 0;
  for (size_t i = 0; i < section->size(); ++i) {
    auto spec = agent::parseInstance((*section)[i], "units[" + std::to_string(i) + "]");
    if (!spec) {
      fuzz::mustDump(common::Json{{"error", spec.error().message}, {"field", spec.error().field}});
      continue;
    }
    (void)agent::unitNameFor(spec->name);
  }
  return 0;
}
