#include "coordinator/store_flags.h"

namespace photon::coordinator {

void addStoreFlags(boost::program_options::options_description& opts, StoreConfig& config) {
  namespace po = boost::program_options;
  opts.add_options()(
      "store", po::value(&config.kind)->default_value("sqlite"),
      "store backend: sqlite (one coordinator, --data-dir) or etcd (several coordinators, "
      "--etcd-endpoints)")("data-dir", po::value(&config.data_dir),
                           "directory for the SQLite store (--store sqlite)")(
      "etcd-endpoints", po::value(&config.etcd_endpoints),
      "etcd client URLs, comma-separated: http(s)://host:port,... (--store etcd)")(
      "etcd-prefix", po::value(&config.etcd_prefix)->default_value("/photon/"),
      "key prefix in etcd: the store under PREFIX/kv/, the leader key PREFIX/leader")(
      "etcd-ca", po::value(&config.etcd_ca), "CA file that signed the etcd members' certificates")(
      "etcd-cert", po::value(&config.etcd_cert), "client certificate for etcd (with --etcd-key)")(
      "etcd-key", po::value(&config.etcd_key), "client key for etcd (with --etcd-cert)")(
      "etcd-max-txn-ops", po::value(&config.etcd_max_txn_ops)->default_value(128),
      "the etcd members' --max-txn-ops (8-65536): writes of many keys are split to fit")(
      "lease-ttl", po::value(&config.lease_ttl_s)->default_value(10),
      "leader lease TTL in seconds (2-3600): a dead leader is replaced within about this long");
}

}  // namespace photon::coordinator
