// The agent's metrics (photon-agent run --metrics-listen): what the run loop saw on its last pass
// and counters over all passes, rendered as Prometheus text. Fed by the loop's thread, read by
// the metrics listener's: every method is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/run/domain_reports.h"
#include "common/json_fields.h"
#include "common/mutex.h"

namespace photon::agent {

// One pass of the run loop, as the loop reports it.
struct PassRecord {
  bool fetched = false;   // the coordinator answered the poll (new document or unchanged)
  bool reported = false;  // and took the observed state
  int64_t applied_revision = 0;
  // Each domain's observed state, as reported, and how long its reconcile took.
  common::Json domains = common::Json::object();
  std::vector<std::pair<std::string, double>> seconds;
  double wall_time = 0;  // seconds since the epoch at the end of the pass
};

class AgentMetrics {
 public:
  explicit AgentMetrics(std::string version) : version_(std::move(version)) {}

  void record(const PassRecord& pass);
  std::string render() const;

 private:
  struct DomainCounters {
    double last_seconds = 0;
    double total_seconds = 0;
    int64_t passes = 0;
    int64_t errors = 0;
    bool failing = false;
  };

  std::string version_;
  mutable common::Mutex mutex_;
  int64_t passes_ GUARDED_BY(mutex_) = 0;
  int64_t failed_polls_ GUARDED_BY(mutex_) = 0;
  double last_success_ GUARDED_BY(mutex_) = 0;
  bool reachable_ GUARDED_BY(mutex_) = false;
  int64_t applied_revision_ GUARDED_BY(mutex_) = 0;
  std::map<std::string, DomainCounters> domains_ GUARDED_BY(mutex_);
  // The domains' own state from the last pass, as their typed readers took it.
  DomainReports reports_ GUARDED_BY(mutex_);
};

}  // namespace photon::agent
