#include "coordinator/ctl/node_bgp_rows.h"

#include "common/api/bgp_report.h"

namespace photon::ctl {
namespace {
using common::Json;

std::string unreadable(const std::string& field, const std::string& message) {
  return "report does not read: " + (field.empty() ? "" : field + ": ") + message;
}

std::string sessionText(const common::BgpSessionReport& s) {
  std::string text = s.name + " " + s.neighbor + ": " +
                     (s.session ? std::string(common::toString(*s.session)) : "no session") +
                     ", protocol " + (s.protocol_state.empty() ? "-" : s.protocol_state);
  if (!s.since.empty()) text += " since " + s.since;
  // BIRD's info column says why a session is not up ("Active Socket: Connection refused").
  if (!s.established() && !s.info.empty()) text += " (" + s.info + ")";
  return text;
}

std::string summary(const common::BgpReport& r) {
  size_t up = 0;
  for (const auto& s : r.sessions) up += s.established() ? 1 : 0;
  return std::string(common::toString(r.config)) + ", " + std::to_string(up) + " of " +
         std::to_string(r.sessions.size()) + " session(s) established, " +
         std::to_string(r.announced.size()) + " VIP(s) announced";
}

}  // namespace

std::vector<std::vector<std::string>> nodeBgpRows(const Json& bgp) {
  if (bgp.is_null()) return {};
  if (!bgp.is_object()) return {{"bgp:", unreadable("bgp", "must be an object")}};
  if (auto e = bgp.find("error"); e != bgp.end()) {
    return {{"bgp:", unreadable(bgp.value("field", ""),
                                e->is_string() ? e->get<std::string>() : e->dump())}};
  }
  auto it = bgp.find("report");
  if (it == bgp.end()) return {{"bgp:", unreadable("bgp.report", "is missing")}};
  auto report = common::bgpReportFromJson(*it, "bgp.report");
  if (!report) return {{"bgp:", unreadable(report.error().field, report.error().message)}};
  std::vector<std::vector<std::string>> rows = {{"bgp:", summary(*report)}};
  for (const auto& s : report->sessions) rows.push_back({"bgp session:", sessionText(s)});
  for (const auto& vip : report->announced) rows.push_back({"vip announced:", vip});
  for (const auto& w : report->withdrawn) {
    rows.push_back({"vip withdrawn:", w.address + " (" + (w.service.empty() ? "-" : w.service) +
                                          ": " + (w.reason.empty() ? "-" : w.reason) + ")"});
  }
  for (const auto& e : report->errors) rows.push_back({"bgp error:", e});
  if (!report->desired_error.empty()) {
    rows.push_back(
        {"bgp refused:", (report->desired_field.empty() ? "" : report->desired_field + ": ") +
                             report->desired_error});
  }
  return rows;
}

}  // namespace photon::ctl
