// common/json_member_text.h against the parser it stands in for (the fleet's BGP gauges keep a
// report's counts while the text it finds is the same): whatever the bytes, the scan ends without
// a fault; on text that parses, what it finds is what the parser finds there, and what it calls
// absent the parser does not have; on the coordinator's own dump of a document it is unsure only
// where it says it would be.
#include <cstdlib>

#include "common/json_depth.h"
#include "common/json_member_text.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;
using common::Json;
using common::MemberLookup;

namespace {

// Whether dump() writes `name` with an escape (a quote, a backslash, a control character).
bool escapedWhenDumped(const std::string& name) {
  for (unsigned char c : name) {
    if (c == '"' || c == '\\' || c < 0x20) return true;
  }
  return false;
}

// The scan of `text` agrees with `doc`, the parse of the same text.
void agrees(std::string_view text, const Json& doc) {
  const common::MemberText m = common::findMemberText(text, {"domains", "bgp"});
  const auto domains = doc.find("domains");
  if (m.lookup == MemberLookup::kFound) {
    if (domains == doc.end() || !domains->is_object() || !domains->contains("bgp")) std::abort();
    if (Json::parse(m.text, nullptr, false) != (*domains)["bgp"]) std::abort();
  } else if (m.lookup == MemberLookup::kAbsent) {
    if (domains != doc.end() && (!domains->is_object() || domains->contains("bgp"))) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::asText(data, size);
  (void)common::findMemberText(text, {"domains", "bgp"});  // any bytes: no fault
  if (!common::checkJsonDepth(text)) return 0;  // the parser's recursion is not under test
  const Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return 0;
  agrees(text, doc);

  // The coordinator stores what it dumped: there the scan is unsure only where it says.
  const std::string dumped = doc.dump();
  agrees(dumped, doc);
  if (common::findMemberText(dumped, {"domains", "bgp"}).lookup != MemberLookup::kUnsure) return 0;
  const auto domains = doc.find("domains");
  if (domains != doc.end() && !domains->is_object()) return 0;
  for (const auto& [name, value] : doc.items()) {
    if (escapedWhenDumped(name)) return 0;
  }
  if (domains != doc.end()) {
    for (const auto& [name, value] : domains->items()) {
      if (escapedWhenDumped(name)) return 0;
    }
  }
  std::abort();
}
