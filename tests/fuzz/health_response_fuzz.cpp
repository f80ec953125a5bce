// An instance's HTTP health check reads the service's response head (agent/units/
// health_exchange.cpp): the service, not the agent, decides those bytes. Fed as the check reads
// them — in chunks, the head growing until parseResponseHead has a status, an error, or the
// bound is reached. The first byte sets the chunk size (recv cuts the stream anywhere).
#include "agent/units/health_exchange.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  size_t chunk = 1 + fuzz::takeSelector(text);
  std::string head;
  while (head.size() < agent::kMaxHealthResponseBytes) {
    auto status = agent::parseResponseHead(head);
    if (!status || *status) {
      // A status is three digits, 100 or more: the check compares it as a number.
      if (status && (**status < 100 || **status > 999)) __builtin_trap();
      return 0;
    }
    if (text.empty()) return 0;
    size_t n = std::min({chunk, text.size(), agent::kMaxHealthResponseBytes - head.size()});
    head.append(text.substr(0, n));
    text.remove_prefix(n);
  }
  (void)agent::parseResponseHead(head);
  return 0;
}
