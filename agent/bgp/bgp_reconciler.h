// The "bgp" domain: announces the node's healthy VIPs to its routers through BIRD, holds their
// addresses on the VIP link, and reports the BGP sessions.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/bgp/bgp_config.h"
#include "agent/bgp/bird_control.h"
#include "agent/bgp/netlink.h"
#include "agent/core/process_runner.h"
#include "agent/core/reconciler.h"
#include "agent/core/service_health.h"
#include "common/api/bgp_report.h"

namespace photon::agent {

struct BgpOptions {
  std::string bird_binary = "/usr/sbin/bird";  // empty: never start BIRD, only talk to it
  std::string socket_path = "/run/photon/bird.ctl";
  std::string config_path = "/var/lib/photon/bird/bird.conf";
  std::string pid_file = "/run/photon/bird.pid";
  std::string vip_link = "photon0";
  std::chrono::milliseconds command_timeout{5000};  // every read from BIRD's socket
  std::chrono::milliseconds confirm_wait{10000};    // sessions get this long to come back
};

using NetlinkFactory = std::function<common::Result<std::unique_ptr<Netlink>>()>;
using BirdConnector = std::function<common::Result<std::unique_ptr<BirdControl>>()>;

class BgpReconciler final : public Reconciler {
 public:
  // The adapters are made on first use, in the network namespace of the calling thread; the
  // runner starts BIRD when none answers.
  BgpReconciler(BgpOptions options, ServiceHealth& health, NetlinkFactory make_netlink,
                BirdConnector connect_bird, std::unique_ptr<ProcessRunner> runner);

  std::string section() const override { return "bgp"; }
  [[nodiscard]] common::Status validate(const Json& section) const override;
  // The report as JSON (common/api/bgp_report.h's writer).
  Json reconcile(const Json& section) override;
  // One round, typed: what reconcile() writes.
  common::BgpReport report(const Json& section);
  // Withdraws every VIP (routes first, then addresses); BIRD and its sessions keep running.
  void shutdown() override;

 private:
  common::BgpReport run(const BgpConfig& config, bool stopping);
  [[nodiscard]] common::Result<BirdControl*> bird(const std::string& config_if_starting,
                                                  bool& started);
  [[nodiscard]] common::Result<Netlink*> netlink();

  BgpOptions options_;
  ServiceHealth& health_;
  NetlinkFactory make_netlink_;
  BirdConnector connect_bird_;
  std::unique_ptr<ProcessRunner> runner_;
  std::unique_ptr<Netlink> netlink_;
  std::unique_ptr<BirdControl> bird_;
  std::optional<BgpConfig> last_;
  std::optional<std::string> applied_config_;
};

std::unique_ptr<Reconciler> makeBgpReconciler(BgpOptions options, ServiceHealth& health);

}  // namespace photon::agent
