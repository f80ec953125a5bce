#include "common/prometheus_text.h"

#include <cstdio>

namespace photon::common {

void appendMetric(std::string& out, const std::string& name, const std::string& labels,
                  double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " ";
  out += buf;
  out += "\n";
}

void appendHelp(std::string& out, const std::string& name, const std::string& type,
                const std::string& help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void appendSingle(std::string& out, const std::string& name, const std::string& type,
                  const std::string& help, double value) {
  appendHelp(out, name, type, help);
  appendMetric(out, name, "", value);
}

}  // namespace photon::common
