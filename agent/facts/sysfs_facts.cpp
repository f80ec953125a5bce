#include "agent/facts/sysfs_facts.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <utility>

#include "agent/core/state_file.h"
#include "common/validate.h"

namespace photon::agent {
namespace {
namespace fs = std::filesystem;
using common::ErrorCode;
using common::fail;

std::string_view trimView(std::string_view s) {
  const char* kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// "key\t: value" -> {key, value}; false for a line without a colon.
bool splitKeyValue(std::string_view line, std::string_view& key, std::string_view& value) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  key = trimView(line.substr(0, colon));
  value = trimView(line.substr(colon + 1));
  return true;
}

template <typename F>
void forEachLine(std::string_view text, F&& f) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::optional<int64_t> parseInt(std::string_view text) {
  text = trimView(text);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string join(const std::string& root, const std::string& rel) {
  return (fs::path(root.empty() ? "/" : root) / rel).string();
}

// An attribute's trimmed value, "" when absent or unreadable.
std::string attribute(const std::string& path) {
  auto text = readFile(path);
  return text ? trimAttribute(*text) : std::string();
}
}  // namespace

std::string trimAttribute(std::string_view text) {
  return std::string(trimView(text));
}

common::CpuFacts parseCpuInfo(std::string_view cpuinfo) {
  common::CpuFacts cpu;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id;
  forEachLine(cpuinfo, [&](std::string_view line) {
    std::string_view key, value;
    if (!splitKeyValue(line, key, value)) return;
    if (key == "processor") {
      ++cpu.threads;
      physical_id.clear();
    } else if (key == "model name" && cpu.model.empty()) {
      cpu.model = std::string(value);
    } else if (key == "physical id") {
      physical_id = std::string(value);
    } else if (key == "core id") {
      cores.emplace(physical_id, std::string(value));
    } else if (key == "flags" && !cpu.virtualization) {
      // Whole words only: "svm" must not match inside another flag's name.
      std::string padded = " " + std::string(value) + " ";
      cpu.virtualization =
          padded.find(" vmx ") != std::string::npos || padded.find(" svm ") != std::string::npos;
    }
  });
  cpu.cores = cores.empty() ? cpu.threads : static_cast<int64_t>(cores.size());
  return cpu;
}

common::Result<int64_t> parseMemTotal(std::string_view meminfo) {
  std::optional<int64_t> total;
  forEachLine(meminfo, [&](std::string_view line) {
    std::string_view key, value;
    if (total || !splitKeyValue(line, key, value) || key != "MemTotal") return;
    if (!value.ends_with("kB")) return;
    auto kib = parseInt(value.substr(0, value.size() - 2));
    // In bytes it must fit an int64_t: a larger value is no memory size, whatever says so.
    if (kib && *kib >= 0 && *kib <= INT64_MAX / 1024) {
      total = *kib * 1024;
    }
  });
  if (!total) return fail(ErrorCode::kInvalid, "no MemTotal line in kB");
  return *total;
}

bool isVirtualBlockDevice(std::string_view name) {
  if (name.starts_with("loop") || name.starts_with("ram") || name.starts_with("zram")) return true;
  return name.starts_with("dm-");
}

common::Result<common::CpuFacts> readCpu(const std::string& root) {
  PHOTON_TRY(std::string text, readFile(join(root, "proc/cpuinfo")));
  common::CpuFacts cpu = parseCpuInfo(text);
  if (cpu.threads == 0) return fail(ErrorCode::kInvalid, "proc/cpuinfo lists no processor");
  std::error_code ec;
  // The flag says what the CPU can do; /dev/kvm says that the kernel lets us use it (nested
  // virtualization hides the flag but may still offer /dev/kvm).
  if (fs::exists(join(root, "dev/kvm"), ec)) cpu.virtualization = true;
  return cpu;
}

common::Result<int64_t> readMemory(const std::string& root) {
  PHOTON_TRY(std::string text, readFile(join(root, "proc/meminfo")));
  auto total = parseMemTotal(text);
  if (!total) return std::unexpected(total.error().context("proc/meminfo"));
  return *total;
}

std::vector<common::DiskFacts> readDisks(const std::string& root) {
  std::vector<common::DiskFacts> disks;
  std::error_code ec;
  fs::directory_iterator it(join(root, "sys/block"), ec);
  if (ec) return disks;
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (isVirtualBlockDevice(name)) continue;
    std::string dir = entry.path().string();
    auto sectors = parseInt(attribute(dir + "/size"));
    if (!sectors || *sectors < 0 || *sectors > INT64_MAX / 512) continue;
    common::DiskFacts disk;
    disk.name = name;
    disk.size_bytes = *sectors * 512;  // sysfs counts 512-byte sectors whatever the disk's own
    disk.rotational = attribute(dir + "/queue/rotational") == "1";
    disk.model = attribute(dir + "/device/model");
    disk.serial = attribute(dir + "/device/serial");
    if (disk.serial.empty()) disk.serial = attribute(dir + "/serial");  // virtio-blk
    disk.wwn = attribute(dir + "/device/wwid");
    if (disk.wwn.empty()) disk.wwn = attribute(dir + "/wwid");  // NVMe namespaces
    disks.push_back(std::move(disk));
  }
  std::sort(disks.begin(), disks.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return disks;
}

common::DmiFacts readDmi(const std::string& root) {
  std::string dir = join(root, "sys/class/dmi/id");
  common::DmiFacts dmi;
  dmi.vendor = attribute(dir + "/sys_vendor");
  dmi.product = attribute(dir + "/product_name");
  dmi.serial = attribute(dir + "/product_serial");
  dmi.uuid = attribute(dir + "/product_uuid");
  return dmi;
}

common::Result<std::string> readMachineId(const std::string& root) {
  PHOTON_TRY(std::string text, readFile(join(root, "etc/machine-id")));
  std::string id = trimAttribute(text);
  if (!common::isValidMachineId(id)) {
    return fail(ErrorCode::kInvalid, "etc/machine-id does not hold 32 lowercase hex digits");
  }
  return id;
}

std::string readHostname(const std::string& root) {
  return attribute(join(root, "proc/sys/kernel/hostname"));
}

void readNicSysfs(const std::string& root, common::NicFacts& nic) {
  std::string dir = join(root, "sys/class/net/" + nic.name);
  // Reading speed fails with EINVAL while the link is down; -1 means the driver does not know.
  auto speed = parseInt(attribute(dir + "/speed"));
  nic.speed_mbps = speed && *speed > 0 ? *speed : 0;
  std::error_code ec;
  fs::path driver = fs::read_symlink(dir + "/device/driver", ec);
  nic.driver = ec ? std::string() : driver.filename().string();
}

}  // namespace photon::agent
