#include "coordinator/edge/http_metrics.h"

#include <cstdio>

#include "common/prometheus_text.h"

namespace photon::coordinator {

using common::appendHelp;
using common::appendMetric;

HttpMetrics::Shard& HttpMetrics::shard() {
  static std::atomic<size_t> next{0};
  thread_local size_t index = next++ % kShards;
  return shards_[index];
}

void HttpMetrics::record(const std::string& method, const std::string& route, int status,
                         double seconds) {
  Shard& s = shard();
  std::lock_guard lock(s.mutex);
  auto count = s.requests.find(std::forward_as_tuple(method, route, status));
  if (count == s.requests.end()) {
    count = s.requests.emplace(std::make_tuple(method, route, status), 0).first;
  }
  ++count->second;
  auto found = s.durations.find(std::forward_as_tuple(method, route));
  if (found == s.durations.end()) {
    found = s.durations.emplace(std::make_tuple(method, route), Histogram{}).first;
  }
  Histogram& h = found->second;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void HttpMetrics::refused(const std::string& reason) {
  std::lock_guard lock(refused_mutex_);
  ++refused_[reason];
}

void HttpMetrics::render(std::string& out) const {
  appendHelp(out, "photon_http_open_connections", "gauge", "Client connections open now.");
  appendMetric(out, "photon_http_open_connections", "", static_cast<double>(open_connections));
  appendHelp(out, "photon_http_held_polls", "gauge",
             "Long-polls parked until their node's desired document changes.");
  appendMetric(out, "photon_http_held_polls", "", static_cast<double>(held_polls));
  {
    std::lock_guard lock(refused_mutex_);
    appendHelp(out, "photon_http_refused_total", "counter",
               "Connections and requests refused or cut at a limit, by reason.");
    for (const auto& [reason, count] : refused_) {
      appendMetric(out, "photon_http_refused_total", "reason=\"" + reason + "\"",
                   static_cast<double>(count));
    }
  }
  // The shards added up, each copied under its own lock.
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests;
  std::map<std::tuple<std::string, std::string>, Histogram> durations;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (const auto& [key, count] : s.requests) requests[key] += count;
    for (const auto& [key, h] : s.durations) {
      Histogram& sum = durations[key];
      for (size_t i = 0; i < kBuckets.size(); ++i) sum.counts[i] += h.counts[i];
      sum.count += h.count;
      sum.sum += h.sum;
    }
  }
  appendHelp(out, "photon_http_requests_total", "counter", "HTTP requests by route and status.");
  for (const auto& [key, count] : requests) {
    const auto& [method, route, status] = key;
    appendMetric(
        out, "photon_http_requests_total",
        "method=\"" + method + "\",route=\"" + route + "\",code=\"" + std::to_string(status) + "\"",
        static_cast<double>(count));
  }
  appendHelp(out, "photon_http_request_duration_seconds", "histogram",
             "HTTP request latency by route.");
  for (const auto& [key, h] : durations) {
    const auto& [method, route] = key;
    std::string labels = "method=\"" + method + "\",route=\"" + route + "\"";
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
