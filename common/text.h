// Text that came from a machine (DMI strings from firmware, unit names, error messages a node
// reported) made safe for where it goes: JSON needs UTF-8, a log line must stay one line with
// no forged priority, a terminal must not run escape sequences. Pure.
#pragma once

#include <string>
#include <string_view>

namespace photon::common {

// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
std::string validUtf8(std::string_view text);
bool isValidUtf8(std::string_view text);

// `text` (made valid UTF-8) with control characters written out: "\n", "\r", "\t" and "\xNN"
// for the other C0 controls, DEL and the C1 controls (U+0080..U+009F, where 8-bit terminal
// escapes live). Printable text, including other UTF-8, is kept as it is, so applying it twice
// changes nothing more.
std::string escapeControls(std::string_view text);

}  // namespace photon::common
