// Lines of the Prometheus text exposition format, for every /metrics that Photon serves.
#pragma once

#include <string>

namespace photon::common {

// A metric line: name{labels} value.
void appendMetric(std::string& out, const std::string& name, const std::string& labels,
                  double value);
void appendHelp(std::string& out, const std::string& name, const std::string& type,
                const std::string& help);
// A metric with one unlabelled sample: its HELP and TYPE lines, then the sample.
void appendSingle(std::string& out, const std::string& name, const std::string& type,
                  const std::string& help, double value);

}  // namespace photon::common
