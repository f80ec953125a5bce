// The reconcilers of the domains asked for with --domains, built for this node. A domain that
// cannot start here (no system bus, no setpriv) is skipped with a log line and the others run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/bgp/bgp_reconciler.h"
#include "agent/core/reconciler.h"
#include "agent/nixos/nixos_reconciler.h"
#include "agent/run/domain_list.h"

namespace photon::agent {

struct DomainSettings {
  std::string state_dir;
  std::vector<Domain> domains;
  std::vector<std::string> vm_image_dirs;
  std::string bird_socket = "/run/photon/bird.ctl";
  NixosOptions nixos;  // profile, store and root come from --nixos-* (a node keeps the defaults)
  bool vm_unsandboxed = false;  // QEMU as the agent's child, for nodes without systemd
};

struct DomainSet {
  // Which services are healthy, for the bgp domain's VIPs: the units domain's, or nothing is
  // healthy without it. The bgp reconciler holds a reference: keep the set alive while it runs.
  std::shared_ptr<ServiceHealth> health;
  std::vector<std::unique_ptr<Reconciler>> reconcilers;
};

DomainSet buildDomains(const DomainSettings& settings);

}  // namespace photon::agent
