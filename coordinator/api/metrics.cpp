#include "coordinator/api/metrics.h"

#include <cstdio>

namespace photon::coordinator {

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

void HttpMetrics::record(const std::string& method, const std::string& route, int status,
                         double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  auto& h = durations_[{method, route}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void HttpMetrics::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  appendHelp(out, "photon_http_requests_total", "counter", "HTTP requests by route and status.");
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    appendMetric(out, "photon_http_requests_total",
                 "method=\"" + method + "\",route=\"" + route + "\",code=\"" +
                     std::to_string(status) + "\"",
                 static_cast<double>(count));
  }
  appendHelp(out, "photon_http_request_duration_seconds", "histogram",
             "HTTP request latency by route.");
  for (const auto& [key, h] : durations_) {
    std::string labels = "method=\"" + key.first + "\",route=\"" + key.second + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      appendMetric(out, "photon_http_request_duration_seconds_bucket",
                   labels + ",le=\"" + le + "\"", static_cast<double>(h.counts[i]));
    }
    appendMetric(out, "photon_http_request_duration_seconds_bucket", labels + ",le=\"+Inf\"",
                 static_cast<double>(h.count));
    appendMetric(out, "photon_http_request_duration_seconds_sum", labels, h.sum);
    appendMetric(out, "photon_http_request_duration_seconds_count", labels,
                 static_cast<double>(h.count));
  }
}

}  // namespace photon::coordinator
