#include "coordinator/ctl/bgp_command.h"

#include <optional>

#include "coordinator/ctl/rest.h"
#include "coordinator/ctl/router_config.h"

namespace photon::ctl {
namespace {

int routerConfig(CtlContext& ctx, const std::vector<std::string>& args) {
  RouterConfigOptions options;
  std::string format = "bird";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto take = [&](const std::string& name) { return takeFlag(args, i, name); };
    std::optional<std::string> v;
    if ((v = take("router"))) {
      options.router_address = *v;
    } else if ((v = take("router-id"))) {
      options.router_id = *v;
    } else if ((v = take("format"))) {
      format = *v;
    } else {
      ctx.err << "photonctl bgp router-config: unknown argument '" << a << "'\n" << bgpUsage();
      return 2;
    }
  }
  if (format != "bird") {
    ctx.err << "photonctl bgp router-config: --format must be bird\n";
    return 2;
  }
  auto cluster = call(ctx, "GET", "/api/v1/cluster");
  if (!cluster) return 1;
  auto config = renderRouterBirdConfig(*cluster, options);
  if (!config) {
    ctx.err << "photonctl bgp router-config: " << config.error().field << ": "
            << config.error().message << "\n";
    return 1;
  }
  // The passwords are part of the output by design: the router needs them.
  ctx.out << *config;
  return 0;
}

}  // namespace

int runBgpCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "router-config") {
    return routerConfig(ctx, {args.begin() + 1, args.end()});
  }
  ctx.err << "photonctl: wrong arguments for bgp\n\n" << bgpUsage();
  return 2;
}

std::string bgpUsage() {
  return R"(  bgp router-config [--router ADDRESS] [--router-id ID] [--format bird]
                                                the upstream router's BIRD config: a session
                                                per node, BFD, only declared VIPs accepted
)";
}

}  // namespace photon::ctl
