// What a real etcd cluster spent, read from its members' own /metrics and /proc: how many
// transactions and WAL fsyncs a phase of a bench cost, the time those fsyncs took, and the
// members' CPU. On the shared 2-core machine these counts say more than wall time.
#pragma once

#include <string>

#include "tests/support/etcd_cluster.h"

namespace photon::test {

struct EtcdWork {
  double txns = 0;           // etcd_mvcc_txn_total summed over members (each applies every txn)
  double put_keys = 0;       // etcd_mvcc_put_total, summed likewise
  double fsyncs = 0;         // WAL fsyncs, every member
  double fsync_seconds = 0;  // their summed duration
  double cpu_seconds = 0;    // the members' user + system CPU

  EtcdWork operator-(const EtcdWork& before) const {
    return {txns - before.txns, put_keys - before.put_keys, fsyncs - before.fsyncs,
            fsync_seconds - before.fsync_seconds, cpu_seconds - before.cpu_seconds};
  }
};

// The sum of every sample of `metric` (any labels) in Prometheus text.
double sumMetric(const std::string& text, const std::string& metric);

// Reads every member now (a member that does not answer counts 0).
EtcdWork etcdWork(const EtcdCluster& etcd);

}  // namespace photon::test
