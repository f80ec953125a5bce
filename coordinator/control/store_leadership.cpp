#include "coordinator/control/store_leadership.h"

#include <algorithm>

namespace photon::coordinator {

std::string etcdLeaderKey(const StoreConfig& config) {
  return etcdPrefix(config) + "leader";
}

common::Result<std::unique_ptr<EtcdLeadership>> makeLeadership(const StoreConfig& config) {
  if (config.kind != "etcd") return std::unique_ptr<EtcdLeadership>();
  PHOTON_CHECK(checkStoreConfig(config));
  PHOTON_TRY(auto options, etcdClientOptions(config));
  // Its own connections, with timeouts well inside the lease: a keepalive that hangs must not
  // outlast the time it is meant to buy.
  auto ttl = std::chrono::milliseconds(std::chrono::seconds(config.lease_ttl_s));
  options.connect_timeout = std::min(options.connect_timeout, ttl / 4);
  options.request_timeout = ttl / 3;
  PHOTON_TRY(std::shared_ptr<EtcdClient> client, EtcdClient::create(options));
  ElectionOptions election;
  election.key = etcdLeaderKey(config);
  election.ttl = std::chrono::seconds(config.lease_ttl_s);
  return std::make_unique<EtcdLeadership>(std::move(client), election);
}

}  // namespace photon::coordinator
