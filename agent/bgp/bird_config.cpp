#include "agent/bgp/bird_config.h"

#include <algorithm>
#include <sstream>

namespace photon::agent {
namespace {

std::string routeLine(const BgpVip& vip) {
  std::string line = "  route " + vip.address + " blackhole";
  if (vip.communities.empty()) return line + ";\n";
  line += " {";
  for (const auto& c : vip.communities) {
    if (c.large) {
      line += " bgp_large_community.add((" + std::to_string(c.a) + "," + std::to_string(c.b) + "," +
              std::to_string(c.c) + "));";
    } else {
      line += " bgp_community.add((" + std::to_string(c.a) + "," + std::to_string(c.b) + "));";
    }
  }
  return line + " };\n";
}

void renderStatic(std::ostringstream& out, const char* name, const char* channel,
                  const std::vector<const BgpVip*>& routes) {
  out << "protocol static " << name << " {\n  " << channel << ";\n";
  for (const auto* vip : routes) out << routeLine(*vip);
  out << "}\n\n";
}

void renderBgp(std::ostringstream& out, const BgpConfig& config, const BgpNeighbor& n) {
  out << "protocol bgp " << bgpProtocolName(n) << " {\n"
      << "  local " << (n.local_address.empty() ? "" : n.local_address + " ") << "as " << config.asn
      << ";\n"
      << "  neighbor " << n.address << " as " << n.asn
      << ";\n"
      // Retry fast after a failed connect; BIRD's default waits several seconds.
      << "  connect delay time 1;\n"
      << "  graceful restart " << (config.graceful_restart ? "on" : "off") << ";\n";
  if (!n.password.empty()) out << "  password \"" << n.password << "\";\n";
  // Hold 0 sends no keepalives at all, and BIRD refuses a keepalive time then.
  out << "  hold time " << n.timers.hold_time_s << ";\n";
  if (n.timers.hold_time_s > 0) out << "  keepalive time " << n.timers.keepalive_time_s << ";\n";
  if (n.timers.bfd.enabled) {
    // Per session (BIRD >= 2.0.8), so that neighbours on one interface can differ.
    const auto& b = n.timers.bfd;
    out << "  bfd { min rx interval " << b.interval_ms << " ms; min tx interval " << b.interval_ms
        << " ms; multiplier " << b.multiplier << "; };\n";
  }
  if (n.route_reflector_client) out << "  rr client;\n";
  // Fixed filters: a VIP change never touches them, so the session never restarts for one.
  out << "  " << (n.ipv6 ? "ipv6" : "ipv4") << " {\n"
      << "    import none;\n"
      << "    export where source = RTS_STATIC;\n"
      << "    next hop self;\n"
      << "  };\n"
      << "}\n\n";
}

}  // namespace

std::string bgpProtocolName(const BgpNeighbor& neighbor) {
  return std::string(kBgpProtocolPrefix) + neighbor.name;
}

std::string renderBirdConfig(const BgpConfig& config, const std::vector<BgpVip>& announced) {
  std::vector<const BgpVip*> v4;
  std::vector<const BgpVip*> v6;
  for (const auto& vip : announced) (vip.ipv6 ? v6 : v4).push_back(&vip);
  auto byAddress = [](const BgpVip* a, const BgpVip* b) { return a->address < b->address; };
  std::sort(v4.begin(), v4.end(), byAddress);
  std::sort(v6.begin(), v6.end(), byAddress);

  std::ostringstream out;
  out << "# Rendered by photon-agent from the desired \"bgp\" section; edits are overwritten.\n"
      << "# VIPs are routes of the static protocols only: changing them never restarts a session.\n"
      << "router id " << config.router_id << ";\n"
      << "timeformat protocol iso long ms;\n"
      << "timeformat route iso long ms;\n\n"
      << "protocol device photon_device {\n}\n\n";
  renderStatic(out, kStaticProtocol4, "ipv4", v4);
  renderStatic(out, kStaticProtocol6, "ipv6", v6);
  bool bfd = std::any_of(config.neighbors.begin(), config.neighbors.end(),
                         [](const BgpNeighbor& n) { return n.timers.bfd.enabled; });
  // The bfd protocol runs the sessions the bgp blocks ask for, each with that block's timers.
  if (bfd) out << "protocol bfd photon_bfd {\n}\n\n";
  for (const auto& n : config.neighbors) renderBgp(out, config, n);
  return out.str();
}

}  // namespace photon::agent
