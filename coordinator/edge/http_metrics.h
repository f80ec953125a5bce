// Request counts and latencies by route and status, and the edge's own counters (connections,
// held long-polls, requests refused at a limit), in Prometheus text format.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace photon::coordinator {

class HttpMetrics {
 public:
  // A (method, route) pair, registered once (the router registers each route it adds): a
  // request counted on it finds its entry by index, without comparing names.
  using Series = size_t;
  Series series(const std::string& method, const std::string& route);
  void record(Series series, int status, double seconds);
  // The same by name, for what no route registered ahead ("unmatched", HEAD on a GET route).
  void record(const std::string& method, const std::string& route, int status, double seconds);
  // A connection or request the edge turned away or cut at a limit ("header_too_large",
  // "body_too_large", "header_timeout", "connection_cap", "tls_handshake", …).
  void refused(const std::string& reason);
  // Appends photon_http_requests_total, photon_http_request_duration_seconds and the edge's
  // connection, long-poll and refusal figures.
  void render(std::string& out) const;

  std::atomic<int64_t> open_connections{0};
  std::atomic<int64_t> held_polls{0};

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  struct Counts {
    std::vector<std::pair<int, uint64_t>> by_status;  // a handful of statuses per route
    Histogram durations;
  };
  // Every request is counted from one of the I/O threads: a shard per thread (by a thread-local
  // index) so that two threads never wait on each other's lock; render() adds the shards up.
  struct Shard {
    std::mutex mutex;
    std::vector<Counts> by_series;  // indexed by Series, grown on first use
  };
  static constexpr size_t kShards = 8;
  Shard& shard();
  mutable std::array<Shard, kShards> shards_;
  mutable std::mutex series_mutex_;
  std::vector<std::pair<std::string, std::string>> series_names_;  // (method, route) by Series
  std::map<std::tuple<std::string, std::string>, Series, std::less<>> series_ids_;
  mutable std::mutex refused_mutex_;
  std::map<std::string, uint64_t, std::less<>> refused_;
};

}  // namespace photon::coordinator
