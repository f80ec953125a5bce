// photon-coordinator: the inventory and placement service that agents pull from.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "common/clock.h"
#include "common/daemon/service_notifier.h"
#include "common/daemon/signals.h"
#include "common/daemon/watchdog.h"
#include "common/log.h"
#include "coordinator/auth/tokens.h"
#include "coordinator/ca_command.h"
#include "coordinator/control/store_leadership.h"
#include "coordinator/coordinator_server.h"
#include "coordinator/listen_address.h"
#include "coordinator/migrate_command.h"
#include "coordinator/power/power_service.h"
#include "coordinator/store_flags.h"

namespace po = boost::program_options;
using namespace photon;

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "ca" && std::string(argv[2]) == "init") {
    return coordinator::runCaInit(argc - 2, argv + 2);
  }
  if (argc > 1 && (std::string(argv[1]) == "export" || std::string(argv[1]) == "import")) {
    signal(SIGPIPE, SIG_IGN);  // a member that closes a TLS connection must not kill us
    return coordinator::runMigrateCommand(argc - 1, argv + 1);
  }
  po::options_description opts("photon-coordinator options");
  std::string listen, admin_file, bootstrap_file, log_level, port_file, coordinator_id;
  coordinator::StoreConfig store_config;
  coordinator::TlsFiles tls;
  bool insecure_http = false;
  coordinator::EdgeLimits limits;
  int header_timeout = 10, body_timeout = 30, idle_timeout = 120, max_wait = 60;
  int io_threads = 2, worker_threads = 16;
  std::string node_ca_cert, node_ca_key;
  double node_cert_days = 30;
  int64_t max_discovered = 1024;
  int power_poll_interval = 60, power_deadline_ms = 10000, power_workers = 8, power_attempts = 3;
  int power_max_workers = 64;
  double deployment_retention_days = 14;
  opts.add_options()("help,h", "show this help")(
      "listen", po::value(&listen)->default_value("127.0.0.1:7480"),
      "HOST:PORT to serve on (port 0: any)")("admin-token-file", po::value(&admin_file),
                                             "file holding the operator's token (required)")(
      "bootstrap-token-file", po::value(&bootstrap_file),
      "file holding the token baked into the boot ISO (required)")(
      "tls-cert", po::value(&tls.cert_file), "PEM certificate chain to serve HTTPS with")(
      "tls-key", po::value(&tls.key_file), "PEM private key of --tls-cert (mode 0600)")(
      "client-ca", po::value(&tls.client_ca_file),
      "PEM CA that signs node certificates: a node presenting one is known by it")(
      "node-ca-cert", po::value(&node_ca_cert),
      "the cluster CA that signs the nodes' client certificates (make one with `photon-coordinator "
      "ca init DIR`); also the --client-ca when that is not given")(
      "node-ca-key", po::value(&node_ca_key), "the cluster CA's key (mode 0600)")(
      "node-cert-days", po::value(&node_cert_days)->default_value(node_cert_days),
      "validity of a node certificate in days (fractions too: 0.5 is 12 hours); agents renew in "
      "its last third")(
      "max-discovered", po::value(&max_discovered)->default_value(max_discovered),
      "new machines that may wait in discovered at once; past it a new machine's phone-home "
      "gets 429 (0: no cap)")(
      "insecure-http", po::bool_switch(&insecure_http),
      "serve plain HTTP on a non-loopback address (tokens cross the network in clear text)")(
      "max-body-bytes", po::value(&limits.max_body_bytes)->default_value(limits.max_body_bytes),
      "largest request body, as sent and once inflated (413 past it)")(
      "max-header-bytes",
      po::value(&limits.max_header_bytes)->default_value(limits.max_header_bytes),
      "largest request line and headers (431 past it)")(
      "max-json-depth", po::value(&limits.max_json_depth)->default_value(limits.max_json_depth),
      "deepest nesting of a JSON body (400 past it)")(
      "header-timeout", po::value(&header_timeout)->default_value(header_timeout),
      "seconds a client has for its TLS handshake and request headers")(
      "body-timeout", po::value(&body_timeout)->default_value(body_timeout),
      "seconds a client has to send a body and read the answer")(
      "idle-timeout", po::value(&idle_timeout)->default_value(idle_timeout),
      "seconds a kept-alive connection may sit idle")(
      "max-connections", po::value(&limits.max_connections)->default_value(limits.max_connections),
      "open connections at most (agents hold one each); more are closed at once")(
      "max-wait", po::value(&max_wait)->default_value(max_wait),
      "longest long-poll (?wait=) in seconds")(
      "io-threads", po::value(&io_threads)->default_value(io_threads),
      "threads serving connections, reads and held long-polls")(
      "worker-threads", po::value(&worker_threads)->default_value(worker_threads),
      "threads serving writes to the store")("port-file", po::value(&port_file),
                                             "write the bound port here once listening")(
      "log-level", po::value(&log_level)->default_value("info"),
      "error, warning, notice, info or debug")(
      "coordinator-id", po::value(&coordinator_id),
      "this coordinator's name in the leader election (default HOSTNAME:PORT)")(
      "power-poll-interval", po::value(&power_poll_interval)->default_value(power_poll_interval),
      "seconds between reads of each BMC's power state (0: read only after operations)")(
      "power-deadline-ms", po::value(&power_deadline_ms)->default_value(power_deadline_ms),
      "the longest one BMC operation may take, retries included; past it the node's power "
      "shows unknown with the reason")(
      "power-attempts", po::value(&power_attempts)->default_value(power_attempts),
      "attempts per BMC operation within its deadline (backoff doubling from 250 ms)")(
      "power-workers", po::value(&power_workers)->default_value(power_workers),
      "threads talking to BMCs (one call at a time per BMC)")(
      "power-max-workers", po::value(&power_max_workers)->default_value(power_max_workers),
      "the most threads the BMC pool grows to while operations wait on BMCs that do not answer")(
      "deployment-retention-days",
      po::value(&deployment_retention_days)->default_value(deployment_retention_days),
      "days a finished deployment (its record and every node's progress) is kept; the leader "
      "removes older ones every 10 minutes (0: keep them all)");
  coordinator::addStoreFlags(opts, store_config);
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "photon-coordinator: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "Usage: photon-coordinator --listen HOST:PORT --data-dir DIR "
                 "--admin-token-file F --bootstrap-token-file F\n"
                 "       photon-coordinator --store etcd --etcd-endpoints URL,URL,... "
                 "--listen HOST:PORT ... (several coordinators, one leads)\n"
                 "       photon-coordinator export|import [store flags] (see export --help)\n"
                 "       photon-coordinator ca init DIR (a cluster CA for node certificates)\n\n"
              << opts;
    return 0;
  }
  if (!common::setLogLevel(log_level)) {
    std::cerr << "photon-coordinator: unknown --log-level " << log_level << "\n";
    return 2;
  }
  for (const auto& [name, value] : {std::pair{"--admin-token-file", admin_file},
                                    std::pair{"--bootstrap-token-file", bootstrap_file}}) {
    if (value.empty()) {
      std::cerr << "photon-coordinator: " << name << " is required (see --help)\n";
      return 2;
    }
  }
  if (auto ok = coordinator::checkStoreConfig(store_config); !ok) {
    std::cerr << "photon-coordinator: --" << ok.error().field << " " << ok.error().message
              << " (see --help)\n";
    return 2;
  }
  coordinator::CoordinatorOptions options;
  if (!coordinator::splitHostPort(listen, options.host, options.port)) {
    std::cerr << "photon-coordinator: --listen must be HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  auto admin = coordinator::readTokenFile(admin_file);
  auto bootstrap = coordinator::readTokenFile(bootstrap_file);
  if (!admin || !bootstrap) {
    common::logError((admin ? bootstrap.error() : admin.error()).message);
    return 2;
  }
  if (*admin == *bootstrap) {
    common::logError("the admin and bootstrap tokens must differ");
    return 2;
  }
  options.admin_token_hash = coordinator::sha256Hex(*admin);
  options.bootstrap_token_hash = coordinator::sha256Hex(*bootstrap);
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    std::cerr << "photon-coordinator: --tls-cert and --tls-key go together\n";
    return 2;
  }
  if (node_ca_cert.empty() != node_ca_key.empty()) {
    std::cerr << "photon-coordinator: --node-ca-cert and --node-ca-key go together\n";
    return 2;
  }
  if (!node_ca_cert.empty()) {
    auto ca = coordinator::loadNodeCa(node_ca_cert, node_ca_key);
    if (!ca) {
      std::cerr << "photon-coordinator: --" << ca.error().field << ": " << ca.error().message
                << "\n";
      return 2;
    }
    options.node_ca = *ca;
    // From 10 s (tests of renewal) to ten years.
    if (!(node_cert_days * 86400 >= 10) || node_cert_days > 3650) {
      std::cerr << "photon-coordinator: --node-cert-days must be from 0.000116 (10 s) to 3650\n";
      return 2;
    }
    options.node_certificate_validity = std::chrono::seconds(std::llround(node_cert_days * 86400));
    if (tls.client_ca_file.empty() && !tls.cert_file.empty()) tls.client_ca_file = node_ca_cert;
  }
  if (!tls.client_ca_file.empty() && tls.cert_file.empty()) {
    std::cerr << "photon-coordinator: --client-ca needs --tls-cert and --tls-key\n";
    return 2;
  }
  if (!tls.cert_file.empty()) {
    options.tls = tls;
    // With a client CA, a node proves itself with its certificate; its token alone only
    // fetches the first one.
    options.require_node_certificates = !tls.client_ca_file.empty();
  } else if (!insecure_http && !coordinator::isLoopbackHost(options.host)) {
    std::cerr << "photon-coordinator: serving " << options.host
              << " needs --tls-cert and --tls-key (or --insecure-http, which sends every token "
                 "in clear text)\n";
    return 2;
  }
  for (auto [name, value] :
       {std::pair{"--header-timeout", header_timeout}, std::pair{"--body-timeout", body_timeout},
        std::pair{"--idle-timeout", idle_timeout}, std::pair{"--max-wait", max_wait},
        std::pair{"--io-threads", io_threads}, std::pair{"--worker-threads", worker_threads},
        std::pair{"--max-json-depth", limits.max_json_depth},
        std::pair{"--max-connections", limits.max_connections}}) {
    if (value < 1) {
      std::cerr << "photon-coordinator: " << name << " must be at least 1\n";
      return 2;
    }
  }
  if (limits.max_body_bytes < 1024 || limits.max_header_bytes < 1024) {
    std::cerr << "photon-coordinator: --max-body-bytes and --max-header-bytes must be at least "
                 "1024\n";
    return 2;
  }
  limits.header_timeout = std::chrono::seconds(header_timeout);
  limits.body_timeout = std::chrono::seconds(body_timeout);
  limits.idle_timeout = std::chrono::seconds(idle_timeout);
  options.limits = limits;
  options.max_wait = std::chrono::seconds(max_wait);
  options.io_threads = io_threads;
  options.worker_threads = worker_threads;
  if (max_discovered < 0) {
    std::cerr << "photon-coordinator: --max-discovered must be 0 (no cap) or more\n";
    return 2;
  }
  options.max_discovered = max_discovered;
  if (!(deployment_retention_days >= 0) || deployment_retention_days > 36500) {
    std::cerr << "photon-coordinator: --deployment-retention-days must be 0 (keep all) to 36500\n";
    return 2;
  }
  options.deployment_retention.keep_s = static_cast<int64_t>(deployment_retention_days * 86400);

  // Every agent holds a connection (its long-poll): take all the descriptors we may.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < static_cast<rlim_t>(options.limits.max_connections) + 256) {
    common::logWarning("open-file limit " + std::to_string(files.rlim_cur) +
                       " is below --max-connections; raise LimitNOFILE");
  }
  // Block the stop signals before any thread starts, so they are taken only by wait() below.
  common::BlockedSignals signals{SIGTERM, SIGINT};
  signal(SIGPIPE, SIG_IGN);
  // (The etcd store starts its watch thread as it opens.)
  auto store = coordinator::openStore(store_config);
  if (!store) {
    common::logError("open store: " + store.error().message);
    return 1;
  }
  auto election = coordinator::makeLeadership(store_config);
  if (!election) {
    common::logError("leader election: " + election.error().message);
    return 1;
  }

  if (power_poll_interval < 0 || power_deadline_ms < 100 || power_workers < 1 ||
      power_workers > 256 || power_max_workers < power_workers || power_max_workers > 1024 ||
      power_attempts < 1 || power_attempts > 10) {
    common::logError(
        "--power-poll-interval >= 0, --power-deadline-ms >= 100, --power-workers "
        "1-256, --power-max-workers from --power-workers to 1024 and "
        "--power-attempts 1-10");
    return 2;
  }
  common::SystemClock clock;
  coordinator::CoordinatorServer server(std::move(store->store), clock, options);
  // Power control: BMC calls on the power service's own threads; its tick only queues them.
  coordinator::power::PowerOptions power_options;
  power_options.poll_interval = std::chrono::seconds(power_poll_interval);
  power_options.manager.deadline = std::chrono::milliseconds(power_deadline_ms);
  power_options.manager.workers = power_workers;
  power_options.manager.max_workers = power_max_workers;
  power_options.manager.attempts = power_attempts;
  server.addController(std::make_unique<coordinator::power::PowerService>(
      server.inventory(), server.store(), power_options));
  coordinator::EtcdLeadership* leadership = election->get();
  if (*election) server.setLeadership(std::move(*election));
  auto port = server.start();
  if (!port) {
    common::logError(port.error().message);
    return 1;
  }
  common::logNotice("photon-coordinator " PHOTON_VERSION " listening on " +
                    std::string(options.tls ? "https://" : "http://") + options.host + ":" +
                    std::to_string(*port) + ", store " + store->description +
                    (options.tls && !options.tls->client_ca_file.empty()
                         ? ", node certificates from " + options.tls->client_ca_file
                         : std::string()));
  if (leadership) {
    // The id needs the port, known only now; until the election runs nobody leads here.
    if (coordinator_id.empty()) {
      char host[256] = {};
      gethostname(host, sizeof host - 1);
      coordinator_id = std::string(host) + ":" + std::to_string(*port);
    }
    leadership->start(coordinator_id);
    // Several coordinators: the polls each answers are merged, so all agree on liveness.
    server.shareLiveness(coordinator_id);
  }
  if (!port_file.empty()) {
    FILE* f = std::fopen(port_file.c_str(), "we");
    if (f) {
      std::fprintf(f, "%d\n", *port);
      std::fclose(f);
    }
  }
  auto notifier = common::makeSystemdNotifier();
  notifier->status("serving on " + options.host + ":" + std::to_string(*port));
  notifier->ready();
  auto watchdog = common::startWatchdog(*notifier, [] { return true; });
  int sig = signals.wait();
  common::logNotice(std::string("received ") + common::signalName(sig) + ", stopping");
  notifier->stopping();
  watchdog.reset();
  // Hand leadership over first (the lease is revoked), so another coordinator takes the
  // controllers at once rather than after the lease TTL.
  if (leadership) leadership->stop();
  server.stop();
  return 0;
}
