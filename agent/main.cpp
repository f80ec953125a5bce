// photon-agent: `bootstrap` (from the ISO: facts, phone home, install) and `run` (the node's
// daemon: pull desired state, reconcile, report). Wiring only; the work is in the libraries.
#include <signal.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <thread>

#include <algorithm>

#include "agent/bootstrap/bootstrapper.h"
#include "agent/core/node_certificate.h"
#include "agent/core/node_credentials.h"
#include "agent/core/state_file.h"
#include "agent/domains/domain_set.h"
#include "agent/facts/collector.h"
#include "agent/nixos/nixos_reconciler.h"
#include "agent/run/domain_list.h"
#include "agent/run/metrics_endpoint.h"
#include "agent/run/run_loop.h"
#include "agent/run/run_settings.h"
#include "common/daemon/service_notifier.h"
#include "common/daemon/signals.h"
#include "common/daemon/watchdog.h"
#include "common/log.h"
#include "common/pki.h"

namespace po = boost::program_options;
using namespace photon;
using namespace photon::agent;

namespace {
constexpr int kExitUsage = 64;   // EX_USAGE
constexpr int kExitConfig = 78;  // EX_CONFIG: re-enroll, fix the token file, ...

void logAt(int level, const std::string& message) {
  common::logLine(static_cast<common::LogLevel>(level), message);
}

std::chrono::milliseconds secondsToMs(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

common::Result<std::string> readTokenFile(const std::string& path) {
  PHOTON_TRY(std::string text, readFile(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty()) return common::invalid("token-file", path + " is empty");
  return text;
}

int bootstrapMain(const std::vector<std::string>& args) {
  po::options_description desc("photon-agent bootstrap: enroll this machine and install it");
  std::string url, token_file, state_dir, install_config, reboot_command, facts_root = "/";
  std::string ca_file;
  std::vector<std::string> install_steps;
  double plan_poll = 10, retry_max = 60, step_timeout = 3 * 3600;
  int max_attempts = 0;
  desc.add_options()("help,h", "this help")(
      "coordinator", po::value(&url)->required(),
      "coordinator URL (http[s]://host:port), or several comma-separated: tried in turn")(
      "bootstrap-token-file", po::value(&token_file)->required(),
      "file holding the bootstrap token")(
      "ca-file", po::value(&ca_file),
      "PEM CA the coordinator's HTTPS certificate is checked against (default: the system's)")(
      "state-dir", po::value(&state_dir)->required(), "where the node id and token are kept")(
      "install-step", po::value(&install_steps)->composing(),
      "an install step as words (repeat for several; no shell); placeholders {system_profile} "
      "{hostname} {address} {prefix_length} {gateway} {mac} {disk_layout} {node_id} {state_dir}")(
      "install-config", po::value(&install_config),
      "JSON file {\"steps\": [[argv...], ...]} in place of --install-step")(
      "reboot-command", po::value(&reboot_command),
      "run after a successful install (e.g. \"systemctl reboot\"); default: exit 0")(
      "plan-poll-interval", po::value(&plan_poll)->default_value(10),
      "seconds between phone-homes while waiting for an install plan")(
      "retry-max", po::value(&retry_max)->default_value(60), "longest backoff between retries, s")(
      "max-attempts", po::value(&max_attempts)->default_value(0),
      "failed phone-homes in a row before giving up (0: never)")(
      "step-timeout", po::value(&step_timeout)->default_value(3 * 3600),
      "seconds per install step")("facts-root", po::value(&facts_root)->default_value("/"),
                                  "root the facts are read under")(
      "log-level", po::value<std::string>()->default_value("info"), "error .. debug");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "photon-agent bootstrap: " << e.what() << "\n" << desc << "\n";
    return kExitUsage;
  }
  common::setLogLevel(vm["log-level"].as<std::string>());

  BootstrapOptions options;
  options.state_dir = state_dir;
  options.plan_poll_interval = secondsToMs(plan_poll);
  options.retry_max = secondsToMs(retry_max);
  options.retry_initial = std::min(options.retry_initial, options.retry_max);
  options.max_attempts = max_attempts;
  options.step_timeout = std::chrono::seconds(static_cast<int64_t>(step_timeout));
  if (!install_config.empty() && !install_steps.empty()) {
    common::logError("give --install-step or --install-config, not both");
    return kExitUsage;
  }
  if (!install_config.empty()) {
    auto text = readFile(install_config);
    auto json = text ? common::parseJsonBody(*text) : std::unexpected(text.error());
    auto steps = json ? stepsFromJson(*json) : std::unexpected(json.error());
    if (!steps) {
      common::logError("install config " + install_config + ": " + steps.error().message +
                       (steps.error().field.empty() ? "" : " (" + steps.error().field + ")"));
      return kExitConfig;
    }
    options.steps = std::move(*steps);
  } else if (!install_steps.empty()) {
    options.steps.clear();
    for (const auto& text : install_steps) {
      auto argv = splitStep(text);
      if (!argv) {
        common::logError(argv.error().message);
        return kExitUsage;
      }
      options.steps.push_back(std::move(*argv));
    }
  }
  Argv reboot;
  if (!reboot_command.empty()) {
    auto argv = splitStep(reboot_command);
    if (!argv) {
      common::logError("--reboot-command: " + argv.error().message);
      return kExitUsage;
    }
    reboot = std::move(*argv);
  }

  auto token = readTokenFile(token_file);
  if (!token) {
    common::logError("bootstrap token: " + token.error().message);
    return kExitConfig;
  }
  std::string warnings;
  auto machine = collectMachineFacts(facts_root, &warnings);
  if (!machine) {
    common::logError("collect facts: " + machine.error().message);
    return kExitConfig;
  }
  if (!warnings.empty()) common::logWarning("facts: " + warnings);
  common::logInfo("machine " + machine->machine_id + ": " +
                  std::to_string(machine->facts.cpu.cores) + " cores, " +
                  std::to_string(machine->facts.memory_bytes >> 20) + " MiB, " +
                  std::to_string(machine->facts.disks.size()) + " disks, " +
                  std::to_string(machine->facts.nics.size()) + " NICs" +
                  (machine->facts.bmc.present()
                       ? ", BMC " + machine->facts.bmc.address + " (" + machine->facts.bmc.mac + ")"
                       : std::string()));
  auto client = common::HttpClient::create(url, {.ca_file = ca_file});
  if (!client) {
    common::logError("--coordinator: " + client.error().message);
    return kExitUsage;
  }
  auto runner = makeProcessRunner();
  Bootstrapper bootstrapper(
      options, std::move(*machine), **client, *token, *runner,
      [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }, logAt);
  auto outcome = bootstrapper.run();
  if (!outcome) {
    common::logError("bootstrap failed: " + outcome.error().message);
    return outcome.error().code == common::ErrorCode::kUnauthorized ? kExitConfig : 1;
  }
  common::logNotice("node " + outcome->node_id + " installed");
  if (reboot.empty()) {
    common::logNotice("no --reboot-command given: not rebooting, exiting");
    return 0;
  }
  common::logNotice("rebooting: " + describeArgv(reboot));
  auto result = runner->run(reboot, std::chrono::seconds(300));
  if (!result || !result->ok()) {
    common::logError(
        "reboot command failed: " +
        (result ? result->status() + " " + outputTail(result->output, 5) : result.error().message));
    return 1;
  }
  return 0;
}

int runMain(const std::vector<std::string>& args) {
  po::options_description desc("photon-agent run: pull desired state, reconcile, report");
  std::string state_dir, config, facts_root = "/", ca_file;
  RunSettings flags;
  double retry_max = 60;
  std::string domains, bird_socket, metrics_listen;
  std::vector<std::string> vm_image_dirs;
  bool vm_unsandboxed = false;
  NixosOptions nixos;
  desc.add_options()("help,h", "this help")(
      "coordinator", po::value(&flags.url),
      "coordinator URL (http[s]://host:port), or several comma-separated: tried in turn")(
      "state-dir", po::value(&state_dir)->required(),
      "holds node-id, node-token, desired.json (and node.crt, node.key: this node's TLS client "
      "certificate, used when present)")(
      "ca-file", po::value(&ca_file),
      "PEM CA the coordinator's HTTPS certificate is checked against (default: the system's)")(
      "poll-interval", po::value(&flags.poll_interval)->default_value(5),
      "seconds between polls (±20 % jitter)")(
      "long-poll", po::value(&flags.long_poll)->default_value(0),
      "seconds the coordinator may hold a poll open (?wait=); 0: off")(
      "config", po::value(&config),
      "JSON {\"coordinator\", \"poll_interval\", \"long_poll\"} over the flags; re-read on SIGHUP")(
      "retry-max", po::value(&retry_max)->default_value(60), "longest backoff between retries, s")(
      "facts-root", po::value(&facts_root)->default_value("/"), "root the facts are read under")(
      "domains", po::value(&domains)->default_value(""),
      ("comma-separated domains to reconcile: " + domainNames() +
       " (default: none — only fetch, keep and report the desired document)")
          .c_str())("vm-image-dir", po::value(&vm_image_dirs)->composing(),
                    "directory VM disk images may live in (repeat)")(
      "vm-unsandboxed", po::bool_switch(&vm_unsandboxed),
      "run QEMU as the agent's own child (root, no unit, no seccomp): only where there is no "
      "systemd; by default each VM runs in photon-vm-<name>.service as user photon-vm")(
      "bird-socket", po::value(&bird_socket)->default_value("/run/photon/bird.ctl"),
      "BIRD's control socket (the bgp domain starts BIRD when nothing answers there)")(
      "nixos-profile", po::value(&nixos.profile)->default_value(nixos.profile),
      "the system profile the nixos domain sets")(
      "nixos-store", po::value(&nixos.store),
      "an independent Nix store directory (--store) for the nixos domain; default: the node's")(
      "nixos-root", po::value(&nixos.root)->default_value(nixos.root),
      "where run/current-system and run/booted-system are read")(
      "nixos-switch-bus", po::value(&nixos.switch_bus),
      "D-Bus address of the systemd switch-to-configuration runs under (default: the system "
      "bus); \"none\": as the agent's child, only on a host without systemd (tests)")(
      "metrics-listen", po::value(&metrics_listen),
      "serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9478; default: off)")(
      "log-level", po::value<std::string>()->default_value("info"), "error .. debug");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "photon-agent run: " << e.what() << "\n" << desc << "\n";
    return kExitUsage;
  }
  common::setLogLevel(vm["log-level"].as<std::string>());
  auto settings = readRunConfig(config, flags);
  if (!settings) {
    common::logError("config: " + settings.error().message);
    return kExitConfig;
  }
  if (settings->url.empty()) {
    common::logError("no coordinator: give --coordinator or \"coordinator\" in --config");
    return kExitUsage;
  }

  RunOptions options;
  options.state_dir = state_dir;
  options.poll_interval = secondsToMs(settings->poll_interval);
  options.long_poll = std::chrono::seconds(settings->long_poll);
  options.retry_max = secondsToMs(retry_max);
  options.retry_initial = std::min(options.retry_initial, options.retry_max);

  // Built at start and on every SIGHUP: the config file, the credentials, the facts.
  Connect connect = [=]() -> common::Result<Connection> {
    PHOTON_TRY(RunSettings s, readRunConfig(config, flags));
    Connection c;
    PHOTON_TRY(c.credentials, loadCredentials(state_dir));
    // Kept alive: a held connection costs the edge no thread, and a poll then costs no TLS
    // handshake.
    common::HttpClientOptions http;
    http.keep_alive = true;
    http.ca_file = ca_file;
    if (std::filesystem::exists(state_dir + "/node.crt") &&
        std::filesystem::exists(state_dir + "/node.key")) {
      http.client_cert_file = state_dir + "/node.crt";
      http.client_key_file = state_dir + "/node.key";
    }
    PHOTON_TRY(c.client, common::HttpClient::create(s.url, http));
    c.client->setToken(c.credentials.token);
    c.renew_certificate_at = renewNodeCertificate(*c.client, state_dir, c.credentials.node_id);
    std::string warnings;
    auto machine = collectMachineFacts(facts_root, &warnings);
    if (machine) {
      c.facts_digest = factsDigest(machine->facts);
    } else {
      common::logWarning("facts: " + machine.error().message + ", reporting no digest");
    }
    return c;
  };

  // Before any thread starts: the stop and reload signals reach only the signal thread below.
  common::BlockedSignals signals{SIGTERM, SIGINT, SIGHUP};
  auto domain_list = parseDomainList(domains);
  if (!domain_list) {
    common::logError("--domains: " + domain_list.error().message);
    return kExitUsage;
  }
  common::logInfo("domains: " + (domains.empty() ? std::string("none") : domains));
  // Outlives the loop: the bgp domain holds a reference to its service health.
  DomainSet domain_set =
      buildDomains({state_dir, *domain_list, vm_image_dirs, bird_socket, nixos, vm_unsandboxed});
  RunLoop loop(options, connect, std::move(domain_set.reconcilers), logAt);
  if (auto started = loop.start(); !started) {
    common::logError("cannot start: " + started.error().message);
    return kExitConfig;
  }
  auto metrics = serveAgentMetrics(metrics_listen, loop);
  if (!metrics) {
    common::logError("--metrics-listen: " + metrics.error().message);
    return metrics.error().code == common::ErrorCode::kInvalid ? kExitUsage : kExitConfig;
  }
  auto notifier = common::makeSystemdNotifier();
  common::SignalThread signal_thread(signals, [&](int sig) {
    if (sig == SIGHUP) {
      common::logNotice("SIGHUP: reloading config, credentials and facts");
      loop.requestReload();
    } else {
      common::logNotice(std::string(common::signalName(sig)) + ": stopping");
      notifier->stopping();
      loop.stop();
    }
  });
  // Pings only while the loop makes progress: a loop stuck past everything it may legitimately
  // block on (a long-poll, its request timeouts, the longest backoff, a slow reconcile) stops
  // the pings and systemd restarts the agent.
  const auto stall_limit = options.long_poll + 2 * options.request_timeout + options.retry_max +
                           options.poll_interval + std::chrono::seconds(300);
  auto watchdog = common::startWatchdog(*notifier, [&] {
    return std::chrono::steady_clock::now() - loop.lastProgress() < stall_limit;
  });

  bool ready = false;
  std::string last_status;
  loop.onIteration([&] {
    std::string status = loop.statusLine();
    if (status != last_status) notifier->status(status);
    last_status = status;
    if (!ready) notifier->ready();
    ready = true;
  });
  common::logNotice(
      "photon-agent " + std::string(PHOTON_VERSION) + " running: coordinator " + settings->url +
      ", poll " + std::to_string(settings->poll_interval) + "s" +
      (settings->long_poll > 0 ? ", long-poll " + std::to_string(settings->long_poll) + "s" : ""));
  loop.run();

  watchdog.reset();
  common::logNotice("stopped");
  return 0;
}

void usage() {
  std::cout << "usage: photon-agent bootstrap --coordinator URL --bootstrap-token-file F "
               "--state-dir DIR [options]\n"
               "       photon-agent run --coordinator URL --state-dir DIR [options]\n"
               "       photon-agent MODE --help\n";
}
}  // namespace

int main(int argc, char** argv) {
  // OpenSSL writes to its socket without MSG_NOSIGNAL: a coordinator that closes a TLS
  // connection must be an error, not the agent's death.
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    usage();
    return kExitUsage;
  }
  std::string mode = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (mode == "--help" || mode == "-h" || mode == "help") {
    usage();
    return 0;
  }
  if (mode == "--version") {
    std::cout << "photon-agent " << PHOTON_VERSION << "\n";
    return 0;
  }
  if (mode == "bootstrap") return bootstrapMain(args);
  if (mode == "run") return runMain(args);
  std::cerr << "photon-agent: unknown mode '" << mode << "'\n";
  usage();
  return kExitUsage;
}
