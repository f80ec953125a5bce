#include "common/api/vm_spec.h"

#include <filesystem>
#include <set>

#include "common/validate.h"

namespace photon::common {
namespace {

using common::invalid;
using common::joinPath;
using common::Json;
using common::readInt;
using common::readString;

constexpr int64_t kMaxCpus = 256;
constexpr int64_t kMaxMemoryMib = int64_t{4} << 20;  // 4 TiB
constexpr size_t kMaxDevices = 32;                   // also bounds the root ports needed

common::Result<std::string> readPath(const Json& obj, const std::string& key,
                                     const std::string& path, const VmLimits& limits) {
  PHOTON_TRY(std::string value, readString(obj, key, path, ""));
  if (value.empty()) return value;
  if (!limits.check_paths) {
    if (!isInsideImageDirs(value, {"/"})) {
      return invalid(joinPath(path, key), "must be an absolute path without \"..\"");
    }
  } else if (!isInsideImageDirs(value, limits.image_dirs)) {
    return invalid(joinPath(path, key), "must be an absolute path inside the image directories");
  }
  return value;
}

common::Status checkDeviceId(const std::string& id, const std::string& field,
                             std::set<std::string>& seen) {
  PHOTON_CHECK(common::checkName(field, id));
  if (!seen.insert(id).second) return invalid(field, "duplicate device id \"" + id + "\"");
  return {};
}

common::Result<DiskSpec> parseDisk(const Json& obj, const std::string& path, const VmLimits& limits,
                                   std::set<std::string>& seen) {
  PHOTON_CHECK(common::requireObject(obj, path));
  DiskSpec disk;
  PHOTON_TRY(disk.id, readString(obj, "id", path));
  PHOTON_CHECK(checkDeviceId(disk.id, joinPath(path, "id"), seen));
  PHOTON_TRY(disk.path, readPath(obj, "path", path, limits));
  PHOTON_TRY(std::string image, readString(obj, "image", path, ""));
  if (disk.path.empty() == image.empty()) {
    return invalid(joinPath(path, "path"), "exactly one of \"path\" and \"image\" is required");
  }
  if (!image.empty()) {
    if (image.find('/') != std::string::npos || image == "." || image == "..") {
      return invalid(joinPath(path, "image"), "must be a file name in an image directory");
    }
    if (!limits.check_paths) {
      disk.path = image;  // resolved by the agent, in its first image directory
    } else if (limits.image_dirs.empty()) {
      return invalid(joinPath(path, "image"), "no image directory is configured");
    } else {
      disk.path = limits.image_dirs.front() + "/" + image;
    }
  }
  PHOTON_TRY(disk.format, readString(obj, "format", path, "qcow2"));
  if (disk.format != "qcow2" && disk.format != "raw") {
    return invalid(joinPath(path, "format"), "must be \"qcow2\" or \"raw\"");
  }
  PHOTON_TRY(disk.size_gib, readInt(obj, "size_gib", path, 0, 65536, 0));
  return disk;
}

common::Result<NicSpec> parseNic(const Json& obj, const std::string& path,
                                 std::set<std::string>& seen) {
  PHOTON_CHECK(common::requireObject(obj, path));
  NicSpec nic;
  PHOTON_TRY(nic.id, readString(obj, "id", path));
  PHOTON_CHECK(checkDeviceId(nic.id, joinPath(path, "id"), seen));
  PHOTON_TRY(std::string mac, readString(obj, "mac", path));
  auto normal = common::normalizeMac(mac);
  if (!normal) return invalid(joinPath(path, "mac"), "\"" + mac + "\" is not a MAC address");
  nic.mac = *normal;
  int kinds = 0;
  for (const char* kind : {"tap", "bridge"}) {
    if (!obj.contains(kind)) continue;
    ++kinds;
    nic.kind = kind;
    PHOTON_TRY(nic.ifname, readString(obj, kind, path));
    if (nic.ifname.empty() || nic.ifname.size() > 15 ||
        nic.ifname.find_first_of("/, =") != std::string::npos) {
      return invalid(joinPath(path, kind), "must be an interface name");
    }
  }
  if (obj.contains("user")) {
    ++kinds;
    nic.kind = "user";
  }
  if (kinds != 1) {
    return invalid(path, "exactly one of \"tap\", \"bridge\" and \"user\" is required");
  }
  return nic;
}

}  // namespace

bool isInsideImageDirs(const std::string& path, const std::vector<std::string>& dirs) {
  std::filesystem::path p(path);
  if (!p.is_absolute()) return false;
  for (const auto& part : p) {
    if (part == "..") return false;
  }
  std::string normal = p.lexically_normal().string();
  for (const auto& dir : dirs) {
    std::string d = std::filesystem::path(dir).lexically_normal().string();
    if (d.empty()) continue;
    if (d.back() != '/') d += '/';
    if (normal.size() > d.size() && normal.compare(0, d.size(), d) == 0) return true;
  }
  return false;
}

common::Result<VmSpec> parseVmSpec(const Json& obj, const std::string& path,
                                   const VmLimits& limits) {
  PHOTON_CHECK(common::requireObject(obj, path));
  VmSpec spec;
  PHOTON_TRY(spec.name, readString(obj, "name", path));
  PHOTON_CHECK(common::checkName(joinPath(path, "name"), spec.name));
  PHOTON_TRY(spec.cpus, readInt(obj, "cpus", path, 1, kMaxCpus, 1));
  PHOTON_TRY(spec.memory_mib, readInt(obj, "memory_mib", path, 16, kMaxMemoryMib));
  if (limits.node_memory_mib > 0 && spec.memory_mib > limits.node_memory_mib) {
    return invalid(
        joinPath(path, "memory_mib"),
        "exceeds the node's memory (" + std::to_string(limits.node_memory_mib) + " MiB)");
  }
  PHOTON_TRY(spec.machine, readString(obj, "machine", path, "q35"));
  if (spec.machine != "q35") return invalid(joinPath(path, "machine"), "must be \"q35\"");

  std::set<std::string> ids;
  PHOTON_TRY(Json disks, common::readArray(obj, "disks", path));
  PHOTON_TRY(Json nics, common::readArray(obj, "nics", path));
  if (disks.size() + nics.size() > kMaxDevices) {
    return invalid(joinPath(path, "disks"),
                   "at most " + std::to_string(kMaxDevices) + " disks and NICs together");
  }
  for (size_t i = 0; i < disks.size(); ++i) {
    PHOTON_TRY(
        DiskSpec disk,
        parseDisk(disks[i], joinPath(path, "disks") + "[" + std::to_string(i) + "]", limits, ids));
    spec.disks.push_back(std::move(disk));
  }
  for (size_t i = 0; i < nics.size(); ++i) {
    PHOTON_TRY(NicSpec nic,
               parseNic(nics[i], joinPath(path, "nics") + "[" + std::to_string(i) + "]", ids));
    spec.nics.push_back(std::move(nic));
  }

  PHOTON_TRY(spec.kernel, readPath(obj, "kernel", path, limits));
  PHOTON_TRY(spec.initrd, readPath(obj, "initrd", path, limits));
  PHOTON_TRY(spec.cmdline, readString(obj, "cmdline", path, ""));
  if ((!spec.initrd.empty() || !spec.cmdline.empty()) && spec.kernel.empty()) {
    return invalid(joinPath(path, "kernel"), "is required with \"initrd\" or \"cmdline\"");
  }

  PHOTON_TRY(std::string state, readString(obj, "state", path, "running"));
  if (state == "running")
    spec.state = VmState::kRunning;
  else if (state == "stopped")
    spec.state = VmState::kStopped;
  else if (state == "paused")
    spec.state = VmState::kPaused;
  else
    return invalid(joinPath(path, "state"), "must be \"running\", \"stopped\" or \"paused\"");

  PHOTON_TRY(std::string restart, readString(obj, "restart", path, "on-failure"));
  if (restart == "always")
    spec.restart = RestartPolicy::kAlways;
  else if (restart == "on-failure")
    spec.restart = RestartPolicy::kOnFailure;
  else if (restart == "never")
    spec.restart = RestartPolicy::kNever;
  else
    return invalid(joinPath(path, "restart"), "must be \"always\", \"on-failure\" or \"never\"");

  PHOTON_TRY(spec.reset_generation, readInt(obj, "reset_generation", path, 0, INT64_MAX, 0));
  PHOTON_TRY(Json console, common::readObject(obj, "console_log", path));
  auto console_path = joinPath(path, "console_log");
  PHOTON_TRY(spec.console_log_bytes,
             readInt(console, "max_bytes", console_path, 4096, int64_t{1} << 30, 1 << 20));
  PHOTON_TRY(spec.console_log_files, readInt(console, "files", console_path, 1, 10, 2));
  return spec;
}

common::Result<std::vector<VmSpec>> parseVmSection(const Json& section, const VmLimits& limits) {
  if (!section.is_array()) return invalid("vms", "must be a list of VMs");
  if (section.size() > common::kMaxListLength) return invalid("vms", "too many VMs");
  std::vector<VmSpec> specs;
  std::set<std::string> names;
  int64_t memory = 0;
  for (size_t i = 0; i < section.size(); ++i) {
    std::string path = "vms[" + std::to_string(i) + "]";
    PHOTON_TRY(VmSpec spec, parseVmSpec(section[i], path, limits));
    if (!names.insert(spec.name).second) {
      return invalid(path + ".name", "duplicate VM name \"" + spec.name + "\"");
    }
    if (spec.state != VmState::kStopped) memory += spec.memory_mib;
    if (limits.node_memory_mib > 0 && memory > limits.node_memory_mib) {
      return invalid(path + ".memory_mib", "the VMs together exceed the node's memory (" +
                                               std::to_string(limits.node_memory_mib) + " MiB)");
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string toString(VmState state) {
  switch (state) {
    case VmState::kRunning:
      return "running";
    case VmState::kStopped:
      return "stopped";
    case VmState::kPaused:
      return "paused";
  }
  return "running";
}

std::string toString(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::kAlways:
      return "always";
    case RestartPolicy::kOnFailure:
      return "on-failure";
    case RestartPolicy::kNever:
      return "never";
  }
  return "on-failure";
}

Json toJson(const DiskSpec& disk) {
  Json j = {{"id", disk.id}, {"path", disk.path}, {"format", disk.format}};
  if (disk.size_gib > 0) j["size_gib"] = disk.size_gib;
  return j;
}

Json toJson(const NicSpec& nic) {
  Json j = {{"id", nic.id}, {"mac", nic.mac}};
  if (nic.kind == "user")
    j["user"] = true;
  else
    j[nic.kind] = nic.ifname;
  return j;
}

Json toJson(const VmSpec& spec) {
  Json j = {
      {"name", spec.name},
      {"cpus", spec.cpus},
      {"memory_mib", spec.memory_mib},
      {"machine", spec.machine},
      {"disks", Json::array()},
      {"nics", Json::array()},
      {"state", toString(spec.state)},
      {"restart", toString(spec.restart)},
      {"reset_generation", spec.reset_generation},
      {"console_log", {{"max_bytes", spec.console_log_bytes}, {"files", spec.console_log_files}}}};
  for (const auto& d : spec.disks) j["disks"].push_back(toJson(d));
  for (const auto& n : spec.nics) j["nics"].push_back(toJson(n));
  if (!spec.kernel.empty()) j["kernel"] = spec.kernel;
  if (!spec.initrd.empty()) j["initrd"] = spec.initrd;
  if (!spec.cmdline.empty()) j["cmdline"] = spec.cmdline;
  return j;
}

}  // namespace photon::common
