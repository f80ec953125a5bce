#include "agent/bgp/bgp_reconciler.h"

#include <filesystem>
#include <thread>

#include "agent/bgp/bgp_plan.h"
#include "agent/bgp/bird_commands.h"
#include "agent/bgp/bird_process.h"
#include "agent/core/state_file.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;
using Clock = std::chrono::steady_clock;

constexpr auto kBirdStartWait = std::chrono::seconds(5);

}  // namespace

BgpReconciler::BgpReconciler(BgpOptions options, ServiceHealth& health, NetlinkFactory make_netlink,
                             BirdConnector connect_bird, std::unique_ptr<ProcessRunner> runner)
    : options_(std::move(options)),
      health_(health),
      make_netlink_(std::move(make_netlink)),
      connect_bird_(std::move(connect_bird)),
      runner_(std::move(runner)) {}

common::Status BgpReconciler::validate(const Json& section) const {
  if (section.is_null()) return {};
  PHOTON_TRY(auto config, parseBgpConfig(section));
  (void)config;
  return {};
}

Json BgpReconciler::reconcile(const Json& section) {
  return common::toJson(report(section));
}

common::BgpReport BgpReconciler::report(const Json& section) {
  if (section.is_null()) {
    // No section: keep announcing what we announced, still gated on health.
    if (last_) return run(*last_, false);
    return {};
  }
  auto config = parseBgpConfig(section);
  if (!config) {
    common::BgpReport out = last_ ? run(*last_, false) : common::BgpReport{};
    out.desired_error = config.error().message;
    out.desired_field = config.error().field;
    return out;
  }
  last_ = *config;
  return run(*config, false);
}

void BgpReconciler::shutdown() {
  if (last_) (void)run(*last_, true);
}

common::Result<Netlink*> BgpReconciler::netlink() {
  if (!netlink_) {
    PHOTON_TRY(netlink_, make_netlink_());
  }
  return netlink_.get();
}

common::Result<BirdControl*> BgpReconciler::bird(const std::string& config_if_starting,
                                                 bool& started) {
  started = false;
  if (bird_) return bird_.get();
  auto connected = connect_bird_();
  if (connected) {
    bird_ = std::move(*connected);
    return bird_.get();
  }
  if (options_.bird_binary.empty() || birdPidAlive(options_.pid_file)) {
    return std::unexpected(connected.error());
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(options_.config_path).parent_path(),
                                      ec);
  std::filesystem::create_directories(std::filesystem::path(options_.socket_path).parent_path(),
                                      ec);
  PHOTON_CHECK(writeFileAtomic(options_.config_path, config_if_starting, 0600));
  PHOTON_CHECK(startBird(*runner_, {options_.bird_binary, options_.config_path,
                                    options_.socket_path, options_.pid_file}));
  // BIRD has daemonized; its socket may take a moment to accept.
  auto deadline = Clock::now() + kBirdStartWait;
  while (true) {
    connected = connect_bird_();
    if (connected) break;
    if (Clock::now() >= deadline) {
      return std::unexpected(connected.error().context("BIRD started but does not answer"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  bird_ = std::move(*connected);
  started = true;
  return bird_.get();
}

common::BgpReport BgpReconciler::run(const BgpConfig& config, bool stopping) {
  common::BgpReport out;
  auto note = [&](const common::Error& e) { out.errors.push_back(e.message); };

  BgpPlanInput input;
  input.stopping = stopping;
  input.applied_config = applied_config_;
  for (const auto& vip : config.vips) {
    if (!input.healthy.count(vip.service))
      input.healthy[vip.service] = health_.healthy(vip.service);
  }
  auto nl = netlink();
  if (!nl) note(nl.error().context("netlink"));
  bool link_ok = false;
  if (nl) {
    if (auto s = (*nl)->ensureDummyLink(options_.vip_link); !s) {
      note(s.error());
    } else if (auto addrs = (*nl)->listAddresses(options_.vip_link); !addrs) {
      note(addrs.error());
    } else {
      input.link_addresses = *addrs;
      link_ok = true;
    }
  }
  BgpPlan plan = planBgp(config, input);

  // Addresses first: a router may send traffic the moment the route appears.
  if (link_ok) {
    for (const auto& a : plan.add_addresses) {
      if (auto s = (*nl)->addAddress(options_.vip_link, a); !s) note(s.error());
    }
  }
  bool configured = !plan.reconfigure;
  bool started = false;
  auto ctl = bird(plan.config, started);
  if (!ctl) {
    note(ctl.error().context("BIRD"));
  } else if (started) {
    applied_config_ = plan.config;
    configured = true;
  } else if (plan.reconfigure) {
    auto applied =
        applyBirdConfig(**ctl, {options_.config_path, options_.confirm_wait}, plan.config);
    if (applied) {
      applied_config_ = plan.config;
      configured = true;
    } else {
      note(applied.error());
      // A socket error leaves the connection unusable: reconnect next time.
      if (applied.error().code == ErrorCode::kUnavailable) bird_.reset();
    }
  }
  // Addresses go only once their routes are withdrawn.
  if (link_ok && configured) {
    for (const auto& a : plan.remove_addresses) {
      if (auto s = (*nl)->removeAddress(options_.vip_link, a); !s) note(s.error());
    }
  }

  if (configured) {
    for (const auto& vip : plan.announce) out.announced.push_back(vip.address);
  }
  for (const auto& w : plan.withdrawn) {
    out.withdrawn.push_back({.address = w.address, .service = w.service, .reason = w.reason});
  }
  out.config = configured ? common::BgpConfigState::kApplied : common::BgpConfigState::kPending;
  if (bird_) {
    auto protocols = showProtocols(*bird_);
    if (!protocols) {
      note(protocols.error().context("show protocols"));
      bird_.reset();
    } else {
      for (const auto& p : *protocols) {
        if (p.proto != "BGP") continue;
        out.sessions.push_back({.name = p.name,
                                .neighbor = p.neighbor_address,
                                .protocol_state = p.state,
                                .since = p.since,
                                .info = p.info,
                                .session = common::sessionStateOf(p.info)});
      }
    }
  }
  return out;
}

std::unique_ptr<Reconciler> makeBgpReconciler(BgpOptions options, ServiceHealth& health) {
  auto socket_path = options.socket_path;
  auto timeout = options.command_timeout;
  return std::make_unique<BgpReconciler>(
      std::move(options), health, [] { return makeLibnlNetlink(); },
      [socket_path, timeout]() -> common::Result<std::unique_ptr<BirdControl>> {
        PHOTON_TRY(auto sock, BirdSocket::connect(socket_path, timeout));
        return std::unique_ptr<BirdControl>(std::move(sock));
      },
      makeProcessRunner());
}

}  // namespace photon::agent
