#include "common/api/bgp_report.h"

#include "common/api/report_fields.h"

namespace photon::common {
namespace {

Json toJson(const BgpSessionReport& s) {
  Json j = {{"name", s.name},
            {"neighbor", s.neighbor},
            {"state", s.protocol_state},
            {"since", s.since},
            {"info", s.info},
            {"established", s.established()}};  // for readers of the raw document
  if (s.session) j["session_state"] = toString(*s.session);
  return j;
}

Result<BgpSessionReport> sessionFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  BgpSessionReport s;
  PHOTON_TRY(s.name, readString(j, "name", path));
  PHOTON_TRY(s.neighbor, readString(j, "neighbor", path, ""));
  PHOTON_TRY(s.protocol_state, readString(j, "state", path, ""));
  PHOTON_TRY(s.since, readString(j, "since", path, ""));
  PHOTON_TRY(s.info, readString(j, "info", path, ""));
  if (auto state = j.find("session_state"); state != j.end() && !state->is_null()) {
    PHOTON_TRY(s.session, readEnum<BgpSessionState>(j, "session_state", path));
  } else {
    // A report from before session_state: "established" was its only word on the session.
    PHOTON_TRY(bool established, readBool(j, "established", path, false));
    if (established) s.session = BgpSessionState::kEstablished;
  }
  return s;
}

Result<BgpWithdrawnVip> withdrawnFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  BgpWithdrawnVip w;
  PHOTON_TRY(w.address, readString(j, "address", path));
  PHOTON_TRY(w.service, readString(j, "service", path, ""));
  PHOTON_TRY(w.reason, readString(j, "reason", path, ""));
  return w;
}

// A list of objects, each read by `read` at path.key[i].
template <typename T, typename Read>
Result<std::vector<T>> readEntries(const Json& j, const std::string& key, const std::string& path,
                                   Read read) {
  PHOTON_TRY(Json list, readArray(j, key, path));
  std::vector<T> out;
  for (size_t i = 0; i < list.size(); ++i) {
    PHOTON_TRY(T entry, read(list[i], joinPath(path, key) + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::string> readCutEntry(const Json& entry, const std::string& path) {
  if (!entry.is_string()) return invalid(path, "must be a string");
  return cutReportedError(entry.get<std::string>());
}

}  // namespace

std::optional<BgpSessionState> sessionStateOf(std::string_view info) {
  return parseEnum<BgpSessionState>(info.substr(0, info.find(' ')));
}

Json toJson(const BgpReport& r) {
  Json j = Json::object();
  if (r.config == BgpConfigState::kUnconfigured) {
    j["state"] = toString(r.config);  // nothing else to say: no section was ever applied
  } else {
    j["config"] = toString(r.config);
    j["announced"] = r.announced;
    j["withdrawn"] = Json::array();
    for (const auto& w : r.withdrawn) {
      j["withdrawn"].push_back(
          {{"address", w.address}, {"service", w.service}, {"reason", w.reason}});
    }
    j["sessions"] = Json::array();
    for (const auto& s : r.sessions) j["sessions"].push_back(toJson(s));
  }
  if (!r.errors.empty()) j["errors"] = r.errors;
  if (!r.desired_error.empty()) {
    j["desired_error"] = {{"error", r.desired_error}};
    if (!r.desired_field.empty()) j["desired_error"]["field"] = r.desired_field;
  }
  return j;
}

Result<BgpReport> bgpReportFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  BgpReport r;
  PHOTON_TRY(r.config, readEnum(j, "config", path, BgpConfigState::kUnconfigured));
  PHOTON_TRY(r.announced, readStringList(j, "announced", path));
  PHOTON_TRY(r.withdrawn, readEntries<BgpWithdrawnVip>(j, "withdrawn", path, withdrawnFromJson));
  PHOTON_TRY(r.sessions, readEntries<BgpSessionReport>(j, "sessions", path, sessionFromJson));
  PHOTON_TRY(r.errors, readEntries<std::string>(j, "errors", path, readCutEntry));
  if (auto d = j.find("desired_error"); d != j.end() && !d->is_null()) {
    const std::string at = joinPath(path, "desired_error");
    PHOTON_CHECK(requireObject(*d, at));
    PHOTON_TRY(r.desired_error, readReportedError(*d, "error", at));
    PHOTON_TRY(r.desired_field, readString(*d, "field", at, ""));
  }
  return r;
}

Result<std::optional<BgpReport>> bgpReportFromObserved(const Json& observed) {
  const Json* bgp = observedDomain(observed, "bgp");
  if (!bgp) return std::optional<BgpReport>();
  PHOTON_TRY(auto report, bgpReportFromJson(*bgp, "domains.bgp"));
  return std::optional<BgpReport>(std::move(report));
}

}  // namespace photon::common
