#include "common/api/report_fields.h"

namespace photon::common {

std::string cutReportedError(std::string text) {
  if (text.size() > kMaxReportedError) text = text.substr(0, kMaxReportedError) + "...";
  return text;
}

Result<std::string> readReportedError(const Json& j, const std::string& key,
                                      const std::string& path) {
  auto e = j.find(key);
  if (e == j.end() || e->is_null()) return std::string();
  if (!e->is_string()) return invalid(joinPath(path, key), "must be a string");
  return cutReportedError(e->get<std::string>());
}

const Json* observedDomain(const Json& observed, std::string_view domain) {
  if (!observed.is_object()) return nullptr;
  auto domains = observed.find("domains");
  if (domains == observed.end() || !domains->is_object()) return nullptr;
  auto section = domains->find(domain);
  if (section == domains->end() || section->is_null()) return nullptr;
  return &*section;
}

}  // namespace photon::common
