// The leader election that goes with a store config, built at the composition root beside the
// store: several coordinators on one etcd elect one leader under the store's prefix; with
// SQLite the one coordinator leads and there is no election.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "coordinator/control/etcd_leadership.h"
#include "coordinator/store/open_store.h"

namespace photon::coordinator {

// The election for an etcd config (nullptr for SQLite). Not started.
[[nodiscard]] common::Result<std::unique_ptr<EtcdLeadership>> makeLeadership(
    const StoreConfig& config);

// The leader key under the configured prefix, beside the store's keys.
std::string etcdLeaderKey(const StoreConfig& config);

}  // namespace photon::coordinator
