// Shared by the VM integration tests and the VM benchmark: the tiny guest (built once into the
// build dir by tests/vm-guest/build-guest.sh), a state dir, and a guard that kills every QEMU
// started under it when the test ends, failed or not.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "agent/vms/vm_process.h"
#include "agent/vms/vm_reconciler.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

// Builds (or finds cached) the guest under <build_dir>/vm-guest and returns that directory.
inline std::string buildVmGuest(const std::string& source_dir, const std::string& build_dir) {
  std::string out = build_dir + "/vm-guest";
  auto runner = agent::makeVmProcessRunner();
  auto code =
      runner->run({source_dir + "/tests/vm-guest/build-guest.sh", out}, std::chrono::minutes(3));
  if (!code) throw std::runtime_error("building the test guest: " + code.error().message);
  if (*code != 0) {
    throw std::runtime_error("building the test guest exited " + std::to_string(*code));
  }
  return out;
}

#ifdef PHOTON_BUILD_DIR
inline std::string vmGuestDir() {
  static const std::string dir = buildVmGuest(PHOTON_SOURCE_DIR, PHOTON_BUILD_DIR);
  return dir;
}
#endif

inline std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits (bounded) until `path` contains `needle` after byte `from`; returns where it ends.
inline size_t waitForText(const std::string& path, const std::string& needle, size_t from = 0,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = readText(path);
    if (text.size() > from) {
      auto at = text.find(needle, from);
      if (at != std::string::npos) return at + needle.size();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::string::npos;
}

// Kills every process whose command line mentions `dir` (our QEMUs), and reaps our children.
class QemuGuard {
 public:
  explicit QemuGuard(std::string dir) : dir_(std::move(dir)) {}
  ~QemuGuard() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmd = readText(entry.path().string() + "/cmdline");
      if (cmd.find(dir_) == std::string::npos) continue;
      pid_t pid = std::stoi(name);
      if (pid == ::getpid()) continue;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

 private:
  std::string dir_;
};

struct VmWorld {
  explicit VmWorld(std::string guest_dir) : guest(std::move(guest_dir)) {}
  TempDir tmp;
  QemuGuard guard{tmp.path()};
  std::string guest;

  agent::VmOptions options() const {
    agent::VmOptions o;
    o.state_dir = tmp.path() + "/state";
    o.limits.image_dirs = {tmp.path() + "/images", guest};
    o.limits.node_memory_mib = 8192;
    // TCG, as TESTBED.md says: a /dev/kvm that creates VMs and vCPUs may still not run a guest
    // (seen on this machine: nested KVM, nothing on the console), so the probe is not asked.
    o.qemu.accel = "tcg";
    o.plan.stop_grace_seconds = 60;
    std::filesystem::create_directories(tmp.path() + "/images");
    return o;
  }

  common::Json vm(const std::string& name, int memory_mib = 128) const {
    return {{"name", name},
            {"memory_mib", memory_mib},
            {"kernel", guest + "/vmlinuz"},
            {"initrd", guest + "/initrd.img"},
            {"cmdline", "console=ttyS0 quiet panic=-1"},
            {"disks", common::Json::array()},
            {"nics", common::Json::array()}};
  }

  std::string console(const std::string& name) const {
    return tmp.path() + "/state/vms/" + name + "/console.log";
  }
};

inline const common::Json* findVm(const common::Json& observed, const std::string& name) {
  for (const auto& v : observed["vms"]) {
    if (v["name"] == name) return &v;
  }
  return nullptr;
}

}  // namespace photon::test
