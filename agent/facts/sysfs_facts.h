// Hardware facts read from files: /proc, /sys and /etc under a root directory, so that tests
// hand the readers a tree they made and the ISO can read a mounted system. The text parsers are
// pure functions; the readers only open files and hand their contents to them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/api/facts.h"
#include "common/result.h"

namespace photon::agent {

// /proc/cpuinfo: model, threads (processor entries), cores (distinct physical id + core id
// pairs; the thread count when the kernel gives no topology), virtualization (vmx or svm flag).
common::CpuFacts parseCpuInfo(std::string_view cpuinfo);
// /proc/meminfo: MemTotal in bytes.
[[nodiscard]] common::Result<int64_t> parseMemTotal(std::string_view meminfo);
// Block devices that are not real disks: loop, ram, zram, dm-N.
bool isVirtualBlockDevice(std::string_view name);
// A sysfs attribute's value without the trailing newline and padding.
std::string trimAttribute(std::string_view text);

// The readers below take the root the tree hangs from ("/" on a live system).
[[nodiscard]] common::Result<common::CpuFacts> readCpu(const std::string& root);
[[nodiscard]] common::Result<int64_t> readMemory(const std::string& root);
// Disks under sys/block, sorted by name; a device whose size cannot be read is skipped.
std::vector<common::DiskFacts> readDisks(const std::string& root);
// sys/class/dmi/id; attributes that are absent or unreadable (serial, uuid need root) are "".
common::DmiFacts readDmi(const std::string& root);
[[nodiscard]] common::Result<std::string> readMachineId(const std::string& root);
// proc/sys/kernel/hostname, "" when absent.
std::string readHostname(const std::string& root);
// Fills speed_mbps (sys/class/net/X/speed; 0 when unknown or the link is down) and driver (the
// basename of the sys/class/net/X/device/driver link) of a NIC that netlink listed.
void readNicSysfs(const std::string& root, common::NicFacts& nic);

}  // namespace photon::agent
