// A daemon's config file (common/daemon/config_file.cpp): read by the agent and the coordinator
// at start, written by a person or a provisioning tool. Any text is a JSON object or an error
// that names where it went wrong; nothing past kMaxConfigBytes is parsed.
#include <cstdlib>

#include "common/daemon/config_file.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  auto config = common::parseJsonConfig(text, "fuzz.json");
  if (config && !config->is_object()) std::abort();
  if (!config && config.error().message.empty()) std::abort();
  if (text.size() > common::kMaxConfigBytes && config) std::abort();
  (void)common::describePosition(text, text.size() / 2);
  (void)common::describePosition(text, text.size() + 1);
  return 0;
}
