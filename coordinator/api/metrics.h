// Request counts and latencies by route and status, in Prometheus text format.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace photon::coordinator {

class HttpMetrics {
 public:
  void record(const std::string& method, const std::string& route, int status, double seconds);
  // Appends photon_http_requests_total and photon_http_request_duration_seconds.
  void render(std::string& out) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> durations_;
};

// A metric line: name{labels} value.
void appendMetric(std::string& out, const std::string& name, const std::string& labels,
                  double value);
void appendHelp(std::string& out, const std::string& name, const std::string& type,
                const std::string& help);

}  // namespace photon::coordinator
