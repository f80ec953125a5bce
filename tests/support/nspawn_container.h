// A systemd booted inside systemd-nspawn for integration tests that need a real systemd (the
// host has none as PID 1; never run one on the host). The rootfs is built once by
// tests/nspawn/make-rootfs and cached under the build dir; every container boots it with
// --volatile=overlay, so any number of them can share it. Each starts in a cgroup of its own
// (photon-test-<name>), so containers never share a cgroup tree. The destructor stops the
// container by its PID and removes the cgroup dirs, also when the test failed.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <string>
#include <vector>

namespace photon::test {

// Builds the rootfs when missing (waits on a lock while another test builds it) and returns
// its path: <build_dir>/nspawn-rootfs. Throws std::runtime_error when the build fails.
std::string ensureNspawnRootfs(const std::string& source_dir, const std::string& build_dir);
// Another rootfs, <build_dir>/nspawn-rootfs-<name>, with extra Debian packages (e.g. QEMU).
std::string ensureNspawnRootfs(const std::string& source_dir, const std::string& build_dir,
                               const std::string& name, const std::vector<std::string>& packages);

class NspawnContainer {
 public:
  struct Options {
    std::string rootfs;
    std::string name;  // machine name; made unique with the test's PID
    bool private_network = true;
    std::vector<std::string> extra_args;  // e.g. "--bind-ro=/work/main/build"
    std::chrono::seconds boot_timeout{60};
  };
  // Boots and waits until the container's system bus socket exists. Throws on failure.
  explicit NspawnContainer(Options options);
  ~NspawnContainer();
  NspawnContainer(const NspawnContainer&) = delete;
  NspawnContainer& operator=(const NspawnContainer&) = delete;

  pid_t nspawnPid() const { return nspawn_pid_; }
  pid_t initPid() const { return init_pid_; }
  // The container's / as seen from the host.
  std::string root() const { return "/proc/" + std::to_string(init_pid_) + "/root"; }
  // For sd_bus_set_address: the container's system bus, reached from the host.
  std::string busAddress() const { return "unix:path=" + root() + "/run/dbus/system_bus_socket"; }
  // The host PID of a process the container knows as `pid` (0 when there is none).
  pid_t hostPid(pid_t container_pid) const;
  // Where the container's cgroup "/" is in the host's cgroup2 hierarchy (its init sits in
  // <root>/init.scope): a unit's ControlGroup, seen from the host, is below it.
  std::string cgroupRoot() const;
  // Runs argv inside the container's namespaces (nsenter); returns its exit status.
  int run(const std::vector<std::string>& argv) const;
  const std::string& logPath() const { return log_path_; }
  // Waits for nspawn to end by itself (its container rebooted or powered off) and returns its
  // exit status (133: the container rebooted), or -1 when it still runs after `timeout`.
  int waitExit(std::chrono::milliseconds timeout);

 private:
  void stop();
  void removeCgroups();

  pid_t nspawn_pid_ = -1;
  pid_t init_pid_ = -1;
  std::string log_path_;
  std::vector<std::string> cgroups_;  // the container's own cgroup, one per hierarchy
  bool exited_ = false;               // ended by itself (waitExit)
};

}  // namespace photon::test
