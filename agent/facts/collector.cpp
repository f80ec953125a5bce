#include "agent/facts/collector.h"

#include "agent/core/digest.h"
#include "agent/facts/bmc_inband.h"
#include "agent/facts/netlink_links.h"
#include "agent/facts/sysfs_facts.h"
#include "common/json_dump.h"

namespace photon::agent {

common::Result<MachineFacts> collectMachineFacts(const std::string& root, std::string* warnings) {
  MachineFacts out;
  PHOTON_TRY(out.machine_id, readMachineId(root));
  out.hostname = readHostname(root);
  std::string notes;
  auto note = [&](const std::string& what) { notes += (notes.empty() ? "" : "; ") + what; };
  if (auto cpu = readCpu(root)) {
    out.facts.cpu = *cpu;
  } else {
    note("cpu: " + cpu.error().message + ", ignoring");
  }
  if (auto memory = readMemory(root)) {
    out.facts.memory_bytes = *memory;
  } else {
    note("memory: " + memory.error().message + ", ignoring");
  }
  out.facts.disks = readDisks(root);
  out.facts.dmi = readDmi(root);
  if (auto nics = listNetworkInterfaces()) {
    out.facts.nics = std::move(*nics);
    for (auto& nic : out.facts.nics) readNicSysfs(root, nic);
  } else {
    note("nics: " + nics.error().message + ", ignoring");
  }
  // The BMC's device lives under /dev, which `root` stands in for like /sys and /etc.
  std::string ipmi = (root == "/" ? std::string() : root) + kIpmiDevice;
  if (auto bmc = readInbandBmc(ipmi)) {
    out.facts.bmc = *bmc;
  } else if (bmc.error().code != common::ErrorCode::kNotFound) {
    note("bmc: " + bmc.error().message + ", ignoring");
  }
  common::sanitizeFacts(out.facts);  // firmware strings may be any bytes; JSON needs UTF-8
  if (warnings) *warnings = notes;
  return out;
}

std::string factsDigest(const common::Facts& facts) {
  return sha256Hex(common::dumpJson(toJson(facts)));
}

}  // namespace photon::agent
