// The desired VMs of a node: the "vms" section parsed and validated before anything reaches QEMU.
// Parsing is pure (no file system): paths are checked lexically against the image directories.
// Shared: the agent validates what it runs, the coordinator what it accepts (without the node's
// image directories, which only the agent knows).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

struct DiskSpec {
  std::string id;
  std::string path;  // absolute; "image" names are resolved into the first image directory
  std::string format = "qcow2";
  int64_t size_gib = 0;  // > 0: created with qemu-img when the file is missing
  bool operator==(const DiskSpec&) const = default;
};

struct NicSpec {
  std::string id;
  std::string mac;     // normalised lowercase
  std::string kind;    // "tap", "bridge" or "user"
  std::string ifname;  // the tap device or the bridge; empty for "user"
  bool operator==(const NicSpec&) const = default;
};

enum class VmState { kRunning, kStopped, kPaused };
enum class RestartPolicy { kAlways, kOnFailure, kNever };

struct VmSpec {
  std::string name;
  int64_t cpus = 1;
  int64_t memory_mib = 256;
  std::string machine = "q35";
  std::vector<DiskSpec> disks;
  std::vector<NicSpec> nics;
  std::string kernel, initrd, cmdline;
  VmState state = VmState::kRunning;
  RestartPolicy restart = RestartPolicy::kOnFailure;
  // Bumped by the coordinator's "reset" action: a value above the last one applied resets.
  int64_t reset_generation = 0;
  // The serial console kept on the node: console.log rotated at console_log_bytes, this many
  // files in all ("console_log": {"max_bytes", "files"}).
  int64_t console_log_bytes = 1 << 20;
  int64_t console_log_files = 2;
};

// What the node offers; the memory limit covers every VM that is not stopped.
struct VmLimits {
  std::vector<std::string> image_dirs;
  int64_t node_memory_mib = 0;  // 0: no limit known
  // false (the coordinator): paths need only be absolute without "..", since the image
  // directories are the node's to know; "image" names are kept as given.
  bool check_paths = true;
};

[[nodiscard]] common::Result<VmSpec> parseVmSpec(const common::Json& obj, const std::string& path,
                                                 const VmLimits& limits);
// The whole section: a list of VMs with unique names whose memory fits the node.
[[nodiscard]] common::Result<std::vector<VmSpec>> parseVmSection(const common::Json& section,
                                                                 const VmLimits& limits);

// True when `path` is absolute, has no ".." and lies under one of `dirs`.
bool isInsideImageDirs(const std::string& path, const std::vector<std::string>& dirs);

std::string toString(VmState state);
std::string toString(RestartPolicy policy);

// The spec back as JSON (kept in the VM's state file to know what it booted with).
common::Json toJson(const DiskSpec& disk);
common::Json toJson(const NicSpec& nic);
common::Json toJson(const VmSpec& spec);

}  // namespace photon::common
