// JSON text of a document that holds strings from outside (firmware, a guest, BIRD, a process's
// output, a service's error): nlohmann's dump() throws on a byte that is not UTF-8, which would
// take the agent down with it. Every document the agent writes or sends goes through here, so
// that common/text's validUtf8 is the one sanitiser of what it serialises.
#pragma once

#include <string>

#include "common/json_fields.h"

namespace photon::common {

// `value` with every string and object key made valid UTF-8 (common::validUtf8: a bad byte
// becomes U+FFFD). Walks the tree without recursion.
void sanitizeJsonStrings(Json& value);

// value.dump(indent), with the strings sanitised first when a byte is not UTF-8. Never throws
// for bad text.
std::string dumpJson(const Json& value, int indent = -1);

}  // namespace photon::common
