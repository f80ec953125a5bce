// photon-coordinator: the inventory and placement service that agents pull from.
#include <signal.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "coordinator/auth/tokens.h"
#include "coordinator/coordinator_server.h"
#include "coordinator/migrate_command.h"
#include "coordinator/store_flags.h"

namespace po = boost::program_options;
using namespace photon;

namespace {
bool splitHostPort(const std::string& listen, std::string& host, int& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    return used == listen.size() - colon - 1 && port >= 0 && port <= 65535 && !host.empty();
  } catch (...) {
    return false;
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "export" || std::string(argv[1]) == "import")) {
    signal(SIGPIPE, SIG_IGN);  // a member that closes a TLS connection must not kill us
    return coordinator::runMigrateCommand(argc - 1, argv + 1);
  }
  po::options_description opts("photon-coordinator options");
  std::string listen, admin_file, bootstrap_file, log_level, port_file, coordinator_id;
  coordinator::StoreConfig store_config;
  int threads = 64, max_waiters = 48;
  opts.add_options()("help,h", "show this help")(
      "listen", po::value(&listen)->default_value("127.0.0.1:7480"), "HOST:PORT to serve on (port 0: any)")(
      "admin-token-file", po::value(&admin_file), "file holding the operator's token (required)")(
      "bootstrap-token-file", po::value(&bootstrap_file),
      "file holding the token baked into the boot ISO (required)")(
      "http-threads", po::value(&threads)->default_value(64), "HTTP worker threads")(
      "max-waiters", po::value(&max_waiters)->default_value(48),
      "long-poll requests allowed to wait at once")(
      "port-file", po::value(&port_file), "write the bound port here once listening")(
      "log-level", po::value(&log_level)->default_value("info"),
      "error, warning, notice, info or debug")(
      "coordinator-id", po::value(&coordinator_id),
      "this coordinator's name in the leader election (default HOSTNAME:PORT)");
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
                 "       photon-coordinator export|import [store flags] (see export --help)\n\n"
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
  if (!splitHostPort(listen, options.host, options.port)) {
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
  options.router.threads = std::max(threads, 4);
  options.max_waiters = std::clamp(max_waiters, 0, options.router.threads - 2);

  // Block the stop signals before any thread starts, so they are taken only by sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
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

  common::SystemClock clock;
  coordinator::CoordinatorServer server(std::move(store->store), clock, options);
  coordinator::EtcdLeadership* leadership = election->get();
  if (*election) server.setLeadership(std::move(*election));
  auto port = server.start();
  if (!port) {
    common::logError(port.error().message);
    return 1;
  }
  common::logNotice("photon-coordinator " PHOTON_VERSION " listening on " + options.host + ":" +
                    std::to_string(*port) + ", store " + store->description);
  if (leadership) {
    // The id needs the port, known only now; until the election runs nobody leads here.
    if (coordinator_id.empty()) {
      char host[256] = {};
      gethostname(host, sizeof host - 1);
      coordinator_id = std::string(host) + ":" + std::to_string(*port);
    }
    leadership->start(coordinator_id);
  }
  if (!port_file.empty()) {
    FILE* f = std::fopen(port_file.c_str(), "we");
    if (f) {
      std::fprintf(f, "%d\n", *port);
      std::fclose(f);
    }
  }
  sd_notifyf(0, "READY=1\nSTATUS=serving on %s:%d", options.host.c_str(), *port);

  // Watchdog pings at half the interval systemd asks for.
  uint64_t watchdog_usec = 0;
  std::atomic<bool> done{false};
  std::thread watchdog;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
    watchdog = std::thread([&] {
      while (!done) {
        sd_notify(0, "WATCHDOG=1");
        std::this_thread::sleep_for(std::chrono::microseconds(watchdog_usec / 2));
      }
    });
  }
  int sig = 0;
  sigwait(&signals, &sig);
  common::logNotice(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                    ", stopping");
  sd_notify(0, "STOPPING=1");
  done = true;
  // Hand leadership over first (the lease is revoked), so another coordinator takes the
  // controllers at once rather than after the lease TTL.
  if (leadership) leadership->stop();
  server.stop();
  if (watchdog.joinable()) watchdog.detach();
  return 0;
}
