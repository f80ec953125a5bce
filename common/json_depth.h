// Nesting depth of a JSON text, checked by a streaming (SAX) pass before any document is built:
// a 200 kB body of 100,000 nested arrays would otherwise overflow the stack of every recursive
// walk over it (copy, dump, comparison).
#pragma once

#include <string_view>

#include "common/result.h"

namespace photon::common {

// Deep enough for every document Photon exchanges (a cluster declaration nests about 8).
constexpr int kDefaultMaxJsonDepth = 64;

// kInvalid naming the path where the text nests deeper than `max_depth` ("facts.x[0][0]…"),
// or "body" for text that is not JSON. An empty text passes (an empty body). The edge checks
// every body for depth only (`malformed_is_error` false) and leaves syntax to the handler.
Status checkJsonDepth(std::string_view text, int max_depth = kDefaultMaxJsonDepth,
                      bool malformed_is_error = true);

}  // namespace photon::common
