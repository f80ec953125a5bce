// BIRD's control socket (agent/bgp/bird_reply.cpp): bytes fed in the chunks the socket gives,
// every complete reply taken out and read as `show protocols all` and `show route all`.
#include "agent/bgp/bird_reply.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  // The first byte sets the chunk size, as recv() cuts the stream anywhere.
  size_t chunk = 1 + fuzz::takeSelector(text);
  agent::BirdReplyReader reader;
  while (!text.empty()) {
    size_t n = std::min(chunk, text.size());
    reader.feed(text.substr(0, n));
    text.remove_prefix(n);
    for (;;) {
      auto reply = reader.next();
      if (!reply || !*reply) break;
      (void)(*reply)->message();
      (void)agent::parseProtocols(**reply);
      (void)agent::parseRoutes(**reply);
    }
    if (auto next = reader.next(); !next) break;  // not BIRD's protocol: the agent reconnects
  }
  (void)reader.takeSpontaneous();
  (void)agent::parseBirdReplies(fuzz::asText(data, size));
  return 0;
}
