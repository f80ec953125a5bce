// The coordinator's edge before any handler (coordinator/edge/http_server.cpp): the body
// inflated by its Content-Encoding with the size bounded (coordinator/edge/body_decoding.cpp),
// then the nesting-depth check (common/json_depth.cpp) and the handlers' JSON parse.
#include <cstdlib>

#include "common/json_depth.h"
#include "coordinator/edge/body_decoding.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kEncodings[] = {"",        "identity", "gzip",      "x-gzip",
                                           "deflate", "br",       "gzip, gzip"};
  constexpr size_t kMaxBody = 64 * 1024;
  auto text = fuzz::asText(data, size);
  uint8_t selector = fuzz::takeSelector(text);
  std::string_view encoding = kEncodings[selector % std::size(kEncodings)];
  auto body = coordinator::decodeBody(std::string(text), encoding, kMaxBody);
  if (!body) return 0;
  // The bound holds after inflating; identity is bounded before, by the edge's reader.
  bool inflated = encoding != "" && encoding != "identity";
  if (inflated ? body->size() > kMaxBody : *body != text) std::abort();
  (void)common::checkJsonDepth(*body, common::kDefaultMaxJsonDepth, false);
  (void)common::checkJsonDepth(*body, 4, true);
  (void)common::parseJsonBody(*body);
  return 0;
}
