#include "agent/domains/domain_set.h"

#include <grp.h>

#include <algorithm>

#include "agent/core/program_path.h"
#include "agent/units/sd_systemd_bus.h"
#include "agent/units/units_reconciler.h"
#include "agent/vms/vm_reconciler.h"
#include "agent/vms/vm_unit_runner.h"
#include "common/log.h"

namespace photon::agent {
namespace {
// A VIP is announced only while its service is healthy; without the units domain nothing is.
class NothingHealthy final : public ServiceHealth {
 public:
  bool healthy(const std::string&) override { return false; }
};

void addVms(const DomainSettings& settings, DomainSet& set) {
  VmOptions vms;
  vms.state_dir = settings.state_dir;
  vms.limits.image_dirs = settings.vm_image_dirs;
  if (settings.vm_unsandboxed) {
    common::logWarning(
        "vms domain: QEMU runs unsandboxed, as the agent's child (--vm-unsandboxed)");
    set.reconcilers.push_back(makeVmReconciler(vms));
  } else if (resolveProgram("setpriv").empty()) {
    // Never a silent fallback to root QEMUs: without setpriv or systemd the domain is skipped.
    common::logError(
        "vms domain: no setpriv (util-linux) in PATH to start QEMU as its VM's "
        "uid, skipping the domain");
  } else if (auto bus = connectSystemdBus()) {
    // /dev/kvm is root:kvm 0660: each VM's uid gets the kvm group as its one extra group.
    QemuGroups groups = qemuGroups([](const std::string& name) -> std::optional<uint32_t> {
      if (const group* g = ::getgrnam(name.c_str())) return g->gr_gid;
      return std::nullopt;
    });
    if (!groups.warning.empty()) common::logWarning("vms domain: " + groups.warning);
    vms.sandbox.groups = groups.groups;
    vms.runner = makeVmUnitRunner(std::shared_ptr<SystemdBus>(std::move(*bus)));
    vms.sandbox.enabled = true;
    set.reconcilers.push_back(makeVmReconciler(vms));
  } else {
    common::logError("vms domain: " + bus.error().message +
                     ": QEMU runs only in a sandboxed unit, skipping the domain");
  }
}
}  // namespace

DomainSet buildDomains(const DomainSettings& settings) {
  DomainSet set;
  set.health = std::make_shared<NothingHealthy>();
  auto wanted = [&](Domain domain) {
    return std::find(settings.domains.begin(), settings.domains.end(), domain) !=
           settings.domains.end();
  };
  if (wanted(Domain::kNixos)) {
    set.reconcilers.push_back(makeNixosReconciler(settings.nixos, settings.state_dir));
  }
  if (wanted(Domain::kUnits)) {
    auto units = makeUnitsReconciler();
    if (units) {
      set.health = (*units)->serviceHealth();
      set.reconcilers.push_back(std::move(*units));
    } else {
      common::logWarning("units domain: " + units.error().message + ", skipping it");
    }
  }
  if (wanted(Domain::kVms)) addVms(settings, set);
  if (wanted(Domain::kBgp)) {
    BgpOptions bgp;
    bgp.socket_path = settings.bird_socket;
    bgp.config_path = settings.state_dir + "/bird/bird.conf";
    set.reconcilers.push_back(makeBgpReconciler(bgp, *set.health));
  }
  return set;
}

}  // namespace photon::agent
