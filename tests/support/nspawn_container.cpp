#include "tests/support/nspawn_container.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <filesystem>

namespace photon::test {
namespace {

using namespace std::chrono_literals;

pid_t spawn(const std::vector<std::string>& argv, const std::string& log, bool new_session) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (new_session) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int r = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (r != 0) throw std::runtime_error("spawn " + argv[0] + ": " + std::strerror(r));
  return pid;
}

int waitStatus(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool otherNspawnRunning() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    auto comm = readAll(entry.path().string() + "/comm");
    if (comm == "systemd-nspawn\n") return true;
  }
  return false;
}

// The cgroup hierarchies a container's systemd gets a tree in, on a host without systemd as
// PID 1: the named "systemd" v1 one and the unified one, or /sys/fs/cgroup on a v2-only host.
// Empty on a host whose PID 1 is systemd: that one places containers itself.
std::vector<std::string> cgroupRoots() {
  if (readAll("/proc/1/comm") == "systemd\n") return {};
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
    return {"/sys/fs/cgroup"};
  }
  std::vector<std::string> roots;
  for (const char* root : {"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"}) {
    if (std::filesystem::is_directory(root)) roots.emplace_back(root);
  }
  return roots;
}

// Starts nspawn in a cgroup of its own (`cgroup` under each root). nspawn --keep-unit builds
// the container's tree (payload/, supervisor/) under the cgroup it starts in: containers started
// from one cgroup share one tree, and their systemds race on units of the same name (every
// boot's oneshots): one removes a unit's cgroup as another attaches, and that unit fails with
// 219/CGROUP. Tests of several helpers run containers at once on one machine.
pid_t spawnInOwnCgroup(const std::vector<std::string>& argv, const std::string& log,
                       const std::vector<std::string>& cgroups) {
  std::vector<std::string> procs;
  for (const auto& dir : cgroups) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("create cgroup " + dir + ": " + ec.message());
    procs.push_back(dir + "/cgroup.procs");
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Opened before fork: the child only calls async-signal-safe functions.
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (in < 0 || out < 0) throw std::runtime_error("open " + log + ": " + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    for (const auto& path : procs) {
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(126);  // "0": the writing process
      ::close(fd);
    }
    ::setsid();
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execve(args[0], args.data(), environ);
    ::_exit(127);
  }
  ::close(in);
  ::close(out);
  return pid;
}

// Children first; rmdir fails (and is ignored) on a cgroup that still has processes.
void removeEmptyTree(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> dirs;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) dirs.push_back(it->path().string());
  }
  for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) ::rmdir(d->c_str());
}

}  // namespace

std::string ensureNspawnRootfs(const std::string& source_dir, const std::string& build_dir) {
  return ensureNspawnRootfs(source_dir, build_dir, "", {});
}

std::string ensureNspawnRootfs(const std::string& source_dir, const std::string& build_dir,
                               const std::string& name, const std::vector<std::string>& packages) {
  auto rootfs = build_dir + "/nspawn-rootfs" + (name.empty() ? "" : "-" + name);
  auto log = rootfs + ".make.log";
  std::vector<std::string> argv = {source_dir + "/tests/nspawn/make-rootfs", rootfs};
  argv.insert(argv.end(), packages.begin(), packages.end());
  pid_t pid = spawn(argv, log, false);
  if (waitStatus(pid) != 0) {
    throw std::runtime_error("tests/nspawn/make-rootfs failed: " + readAll(log));
  }
  return rootfs;
}

NspawnContainer::NspawnContainer(Options options) {
  auto name = options.name + "-" + std::to_string(getpid());
  log_path_ = "/tmp/photon-nspawn-" + name + ".log";
  std::vector<std::string> argv = {"/usr/bin/systemd-nspawn",
                                   "-b",
                                   "-D",
                                   options.rootfs,
                                   "-M",
                                   name,
                                   "--register=no",
                                   "--keep-unit",
                                   "--volatile=overlay",
                                   "--console=read-only"};
  if (options.private_network) argv.push_back("--private-network");
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  ::unlink(log_path_.c_str());
  for (const auto& root : cgroupRoots()) cgroups_.push_back(root + "/photon-test-" + name);
  nspawn_pid_ = spawnInOwnCgroup(argv, log_path_, cgroups_);
  auto deadline = std::chrono::steady_clock::now() + options.boot_timeout;
  // The container's init is nspawn's child once the short-lived intermediate child that
  // sets it up has gone: read it afresh until the bus socket shows up under it.
  while (std::chrono::steady_clock::now() < deadline) {
    auto children = readAll("/proc/" + std::to_string(nspawn_pid_) + "/task/" +
                            std::to_string(nspawn_pid_) + "/children");
    init_pid_ = children.empty() ? -1 : std::stoi(children);
    struct stat st {};
    if (init_pid_ > 0 && ::stat((root() + "/run/dbus/system_bus_socket").c_str(), &st) == 0) return;
    int status = 0;
    if (waitpid(nspawn_pid_, &status, WNOHANG) == nspawn_pid_) {
      nspawn_pid_ = -1;
      throw std::runtime_error("systemd-nspawn exited: " + readAll(log_path_));
    }
    std::this_thread::sleep_for(20ms);
  }
  stop();
  throw std::runtime_error("container did not boot in time: " + readAll(log_path_));
}

int NspawnContainer::waitExit(std::chrono::milliseconds timeout) {
  if (nspawn_pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(nspawn_pid_, &status, WNOHANG) == nspawn_pid_) {
      nspawn_pid_ = -1;
      init_pid_ = -1;
      exited_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

NspawnContainer::~NspawnContainer() {
  stop();
  ::unlink(log_path_.c_str());
  ::unlink((log_path_ + ".run").c_str());
}

void NspawnContainer::stop() {
  if (nspawn_pid_ <= 0) {
    // Ended by itself (waitExit): only its cgroups are left to remove.
    if (exited_) removeCgroups();
    exited_ = false;
    return;
  }
  ::kill(nspawn_pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + 15s;
  bool gone = false;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(nspawn_pid_, &status, WNOHANG) == nspawn_pid_) {
      gone = true;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  if (!gone) {
    ::kill(nspawn_pid_, SIGKILL);
    waitStatus(nspawn_pid_);
  }
  nspawn_pid_ = -1;
  // A SIGKILLed nspawn leaves its init running, orphaned; killing a PID namespace's init kills
  // everything in it. Only if it is still that container's init (the PID may have been reused).
  if (init_pid_ > 0) {
    auto status = readAll("/proc/" + std::to_string(init_pid_) + "/status");
    if (status.find("NSpid:\t" + std::to_string(init_pid_) + "\t1\n") != std::string::npos) {
      ::kill(init_pid_, SIGKILL);
      for (int i = 0; i < 250 && ::kill(init_pid_, 0) == 0; ++i) std::this_thread::sleep_for(20ms);
    }
  }
  removeCgroups();
}

void NspawnContainer::removeCgroups() {
  // nspawn leaves these behind on a host without systemd (the container's own cgroups below
  // them too). They are shared by every container on the host, so the tree is emptied only
  // when no other nspawn runs; otherwise just the top dirs, which rmdir removes only if empty.
  bool others = otherNspawnRunning();
  for (const char* dir : {"/sys/fs/cgroup/unified/payload", "/sys/fs/cgroup/unified/supervisor",
                          "/sys/fs/cgroup/systemd/payload", "/sys/fs/cgroup/systemd/supervisor"}) {
    if (!others) removeEmptyTree(dir);
    ::rmdir(dir);
  }
  for (const auto& dir : cgroups_) {
    removeEmptyTree(dir);
    ::rmdir(dir.c_str());
  }
}

std::string NspawnContainer::cgroupRoot() const {
  std::istringstream lines(readAll("/proc/" + std::to_string(init_pid_) + "/cgroup"));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("0::")) continue;
    auto path = line.substr(3);
    constexpr std::string_view kInit = "/init.scope";
    if (path.ends_with(kInit)) path.resize(path.size() - kInit.size());
    return path;
  }
  return {};
}

pid_t NspawnContainer::hostPid(pid_t container_pid) const {
  std::error_code ec;
  auto ns = std::filesystem::read_symlink("/proc/" + std::to_string(init_pid_) + "/ns/pid", ec);
  if (ec) return 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::error_code e2;
    if (std::filesystem::read_symlink(entry.path() / "ns/pid", e2) != ns || e2) continue;
    std::istringstream status(readAll(entry.path().string() + "/status"));
    std::string line;
    while (std::getline(status, line)) {
      if (!line.starts_with("NSpid:")) continue;
      auto last = line.substr(line.find_last_of(" \t") + 1);
      if (std::stoi(last) == container_pid) return std::stoi(name);
    }
  }
  return 0;
}

int NspawnContainer::run(const std::vector<std::string>& argv) const {
  std::vector<std::string> full = {"/usr/bin/nsenter", "-t", std::to_string(init_pid_), "-a"};
  full.insert(full.end(), argv.begin(), argv.end());
  return waitStatus(spawn(full, log_path_ + ".run", false));
}

}  // namespace photon::test
