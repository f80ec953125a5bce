// The desired document's "bgp" section (agent/bgp/bgp_config.cpp): ASN, router id, neighbours,
// communities and VIPs, which the agent renders into bird.conf. Whatever the section holds, the
// rendered config must keep its structure: braces balance outside BIRD's quoted strings, so
// that no field can close its block and add one of its own.
#include <cstdlib>
#include <string>

#include "agent/bgp/bgp_config.h"
#include "agent/bgp/bird_config.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

namespace {
bool bracesBalance(const std::string& config) {
  int depth = 0;
  bool quoted = false;
  for (char c : config) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '{') ++depth;
    if (c == '}' && --depth < 0) return false;
  }
  return depth == 0 && !quoted;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  uint8_t selector = fuzz::takeSelector(text);
  if (selector & 1) {
    // The text parsers on their own, as a community or VIP string reaches them.
    (void)agent::parseCommunity(text, "communities[0]");
    (void)agent::parseVipAddress(text, "vips[0].address");
    return 0;
  }
  auto section = fuzz::parseSection(text);
  if (!section) return 0;
  auto config = agent::parseBgpConfig(*section);
  if (!config) return 0;
  if (!bracesBalance(agent::renderBirdConfig(*config, config->vips))) std::abort();
  return 0;
}
