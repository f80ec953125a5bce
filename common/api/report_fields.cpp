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

}  // namespace photon::common
