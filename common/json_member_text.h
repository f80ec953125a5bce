// The text of one member of a JSON document, found by a scan that builds nothing. A reader that
// keeps what it made of a sub-document (the fleet's BGP gauges keep each node's counts) tells
// from those bytes whether the sub-document changed, for a fraction of a parse: an agent's report
// changes on every poll (its report time), its BGP part seldom.
#pragma once

#include <initializer_list>
#include <string_view>

namespace photon::common {

enum class MemberLookup {
  kFound,   // `text` is the member's value exactly as written
  kAbsent,  // the document is an object and a member on the path is not there
  kUnsure,  // the caller parses: see findMemberText
};

struct MemberText {
  MemberLookup lookup = MemberLookup::kUnsure;
  std::string_view text;  // a view into the scanned document (kFound only)
};

// The member at `path` (names from the top-level object down, e.g. {"domains", "bgp"}).
// kUnsure when the text does not scan as JSON, a value on the path before the last is not an
// object, a name on the path occurs twice in its object, or a member name of an object on the
// path holds an escape (it might spell a name on the path). The scan checks strings, brackets
// and the characters between them, not every rule of JSON: it locates, it does not validate.
MemberText findMemberText(std::string_view json, std::initializer_list<std::string_view> path);

}  // namespace photon::common
