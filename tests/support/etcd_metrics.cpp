#include "tests/support/etcd_metrics.h"

#include <sstream>

#include "tests/support/process_cpu.h"

namespace photon::test {

double sumMetric(const std::string& text, const std::string& metric) {
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(metric)) continue;
    // The name must end here: "etcd_mvcc_put_total" is not "etcd_mvcc_put_total_x".
    char next = line.size() > metric.size() ? line[metric.size()] : '\0';
    if (next != ' ' && next != '{') continue;
    size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    try {
      sum += std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
      // A value that is not a number (NaN spelled oddly): not counted.
    }
  }
  return sum;
}

EtcdWork etcdWork(const EtcdCluster& etcd) {
  EtcdWork work;
  for (size_t i = 0; i < etcd.members(); ++i) {
    const std::string text = etcd.memberGet(i, "/metrics");
    // etcd 3.4 names the mvcc counters etcd_mvcc_*; older ones etcd_debugging_mvcc_*.
    for (const char* prefix : {"etcd_mvcc_", "etcd_debugging_mvcc_"}) {
      work.txns += sumMetric(text, std::string(prefix) + "txn_total");
      work.put_keys += sumMetric(text, std::string(prefix) + "put_total");
    }
    work.fsyncs += sumMetric(text, "etcd_disk_wal_fsync_duration_seconds_count");
    work.fsync_seconds += sumMetric(text, "etcd_disk_wal_fsync_duration_seconds_sum");
    if (pid_t pid = etcd.memberPid(i); pid > 0) {
      work.cpu_seconds += processCpuSeconds(std::to_string(pid));
    }
  }
  return work;
}

}  // namespace photon::test
