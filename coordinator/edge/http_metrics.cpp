#include "coordinator/edge/http_metrics.h"

#include <algorithm>
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

HttpMetrics::Series HttpMetrics::series(const std::string& method, const std::string& route) {
  std::lock_guard lock(series_mutex_);
  auto found = series_ids_.find(std::forward_as_tuple(method, route));
  if (found != series_ids_.end()) return found->second;
  Series id = series_names_.size();
  series_names_.emplace_back(method, route);
  series_ids_.emplace(std::make_tuple(method, route), id);
  return id;
}

void HttpMetrics::record(Series series, int status, double seconds) {
  Shard& s = shard();
  std::lock_guard lock(s.mutex);
  if (series >= s.by_series.size()) s.by_series.resize(series + 1);
  Counts& counts = s.by_series[series];
  auto status_count = std::find_if(counts.by_status.begin(), counts.by_status.end(),
                                   [status](const auto& entry) { return entry.first == status; });
  if (status_count == counts.by_status.end()) {
    counts.by_status.emplace_back(status, 1);
  } else {
    ++status_count->second;
  }
  Histogram& h = counts.durations;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void HttpMetrics::record(const std::string& method, const std::string& route, int status,
                         double seconds) {
  record(series(method, route), status, seconds);
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
  // The shards added up, each copied under its own lock; sorted by name for the output.
  std::vector<std::pair<std::string, std::string>> names;
  {
    std::lock_guard lock(series_mutex_);
    names = series_names_;
  }
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests;
  std::map<std::tuple<std::string, std::string>, Histogram> durations;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (size_t id = 0; id < s.by_series.size() && id < names.size(); ++id) {
      const Counts& counts = s.by_series[id];
      if (counts.durations.count == 0) continue;
      const auto& [method, route] = names[id];
      for (const auto& [status, count] : counts.by_status) {
        requests[{method, route, status}] += count;
      }
      Histogram& sum = durations[{method, route}];
      for (size_t i = 0; i < kBuckets.size(); ++i) sum.counts[i] += counts.durations.counts[i];
      sum.count += counts.durations.count;
      sum.sum += counts.durations.sum;
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
