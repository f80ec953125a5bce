// The process adapter. Two kinds: the plain one starts QEMU as a child in its own session
// (agent/core/process_runner.h spawnDetached); the sandboxed one (vm_unit_runner.h) starts it
// in a transient systemd unit of its own. Either way QEMU outlives the agent, and an agent
// restart adopts it, never restarts it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::agent {

// One QEMU to start.
struct VmLaunch {
  std::string name;  // the VM's
  std::vector<std::string> argv;
  std::string log_path;     // stdout/stderr appended here
  uint64_t memory_max = 0;  // bytes: the cap on the whole process (0: none)
  uint64_t tasks_max = 0;   // threads (0: none)
  // Sandboxed: the uid and gid QEMU runs as (no user record: setpriv sets them in the unit),
  // and its supplementary groups (kvm's, for /dev/kvm).
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;
};

struct VmProcessStatus {
  pid_t pid = 0;  // the process now (the unit's main process, when it runs in one)
  bool alive = false;
  bool exit_known = false;  // our child, reaped: `exit_code` / `signal` say how it ended
  int exit_code = 0;
  int signal = 0;
};

class VmProcessRunner {
 public:
  virtual ~VmProcessRunner() = default;
  // Starts argv[0] (an absolute path or a name looked up in PATH) with stdin from /dev/null and
  // stdout/stderr appended to `log_path`.
  [[nodiscard]] virtual common::Result<pid_t> spawn(const VmLaunch& launch) = 0;
  // The VM `name`'s QEMU, last known as `pid` (0: none known). The plain runner reaps its own
  // children and looks at /proc for adopted ones; the unit runner asks the VM's unit.
  virtual VmProcessStatus status(const std::string& name, pid_t pid) = 0;
  [[nodiscard]] virtual common::Status kill(pid_t pid, int signal) = 0;
  // Runs a short helper (qemu-img) to completion within `timeout`; returns its exit code.
  [[nodiscard]] virtual common::Result<int> run(const std::vector<std::string>& argv,
                                                std::chrono::milliseconds timeout) = 0;
  // The process's command line (NUL-separated arguments as a vector); empty when it is gone.
  virtual std::vector<std::string> commandLine(pid_t pid) = 0;
};

std::unique_ptr<VmProcessRunner> makeVmProcessRunner();

// Helpers the runners share.
[[nodiscard]] common::Status killProcess(pid_t pid, int signal);
std::vector<std::string> processCommandLine(pid_t pid);

}  // namespace photon::agent
