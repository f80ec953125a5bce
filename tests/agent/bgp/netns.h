// Test worlds for the BGP tests: named network namespaces, a veth pair between two of them, and
// daemons killed by PID — all torn down by RAII, also when a test fails.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "agent/bgp/netlink.h"

extern char** environ;

namespace photon::test {

// /run/netns/<name>, like `ip netns add`, made with unshare + a bind mount.
class Netns {
 public:
  explicit Netns(std::string name);  // throws std::runtime_error when it cannot
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;

  const std::string& name() const { return name_; }
  int fd() const { return fd_; }

 private:
  std::string name_;
  std::string path_;
  int fd_ = -1;
};

// Runs `fn` on a thread that has entered `ns` (threads, unlike processes, may switch network
// namespace on their own), and returns what it returns. Anything it creates there — netlink
// sockets, child processes — belongs to `ns`.
inline void enterNetns(const Netns& ns);

template <typename F>
auto inNetns(const Netns& ns, F&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  if constexpr (std::is_void_v<R>) {
    std::thread t([&] {
      enterNetns(ns);
      fn();
    });
    t.join();
  } else {
    R result{};
    std::thread t([&] {
      enterNetns(ns);
      result = fn();
    });
    t.join();
    return result;
  }
}

// A veth pair: `a_name` in `a`, `b_name` in `b`, each up and with its address (none if empty).
inline void makeVethPair(const Netns& a, const std::string& a_name, const std::string& a_prefix,
                         const Netns& b, const std::string& b_name, const std::string& b_prefix);

// A bridge in `ns`, up, with `prefix` on it: a switched segment. Its carrier stays up while any
// port is, so a node that goes dark behind it is noticed only by BGP or BFD, as on a real fabric.
inline void makeBridge(const Netns& ns, const std::string& name, const std::string& prefix);
// A veth pair whose `port` end in `ns` is a port of `bridge` there; `b_name` in `b` gets
// `b_prefix`.
inline void makeBridgePort(const Netns& ns, const std::string& bridge, const std::string& port,
                           const Netns& b, const std::string& b_name, const std::string& b_prefix);
// Sets a link down inside its namespace: a pulled cable or a dead machine, as the fabric sees it.
inline void setLinkDown(const Netns& ns, const std::string& name);

// Kills the daemon named by a pid file (SIGTERM, then SIGKILL) when it goes out of scope.
class PidFileGuard {
 public:
  explicit PidFileGuard(std::string pid_file) : pid_file_(std::move(pid_file)) {}
  ~PidFileGuard();
  PidFileGuard(const PidFileGuard&) = delete;
  PidFileGuard& operator=(const PidFileGuard&) = delete;

 private:
  std::string pid_file_;
};

// Runs a program to its end (execve with an argument vector) and returns its exit status.
inline int runProgram(const std::vector<std::string>& args);

namespace netns_detail {

[[noreturn]] inline void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

inline void check(const common::Status& s) {
  if (!s) throw std::runtime_error(s.error().message);
}

inline void linkUp(nl_sock* sock, const std::string& name, bool up = true) {
  rtnl_link* link = nullptr;
  if (rtnl_link_get_kernel(sock, 0, name.c_str(), &link) < 0) {
    throw std::runtime_error("no link " + name);
  }
  rtnl_link* change = rtnl_link_alloc();
  if (up) {
    rtnl_link_set_flags(change, IFF_UP);
  } else {
    rtnl_link_unset_flags(change, IFF_UP);
  }
  int err = rtnl_link_change(sock, link, change, 0);
  rtnl_link_put(change);
  rtnl_link_put(link);
  if (err < 0) throw std::runtime_error((up ? "up " : "down ") + name + ": " + nl_geterror(err));
}

// Runs `fn(sock)` with a route netlink socket on a thread inside `ns`; rethrows its error here.
template <typename F>
void withRouteSocket(const Netns& ns, F&& fn) {
  std::string error;
  inNetns(ns, [&] {
    nl_sock* sock = nl_socket_alloc();
    try {
      if (nl_connect(sock, NETLINK_ROUTE) < 0) throw std::runtime_error("netlink connect");
      fn(sock);
    } catch (const std::exception& e) {
      error = e.what();
    }
    nl_socket_free(sock);
  });
  if (!error.empty()) throw std::runtime_error(error);
}

inline int ifindexOf(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  if (rtnl_link_get_kernel(sock, 0, name.c_str(), &link) < 0) {
    throw std::runtime_error("no link " + name);
  }
  int index = rtnl_link_get_ifindex(link);
  rtnl_link_put(link);
  return index;
}

inline void configure(const Netns& ns, const std::string& name, const std::string& prefix) {
  std::string error;
  inNetns(ns, [&] {
    try {
      nl_sock* sock = nl_socket_alloc();
      nl_connect(sock, NETLINK_ROUTE);
      linkUp(sock, name);
      linkUp(sock, "lo");
      nl_socket_free(sock);
      auto nl = agent::makeLibnlNetlink();
      if (!nl) throw std::runtime_error(nl.error().message);
      if (!prefix.empty()) check((*nl)->addAddress(name, prefix));
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace netns_detail

inline Netns::Netns(std::string name) : name_(std::move(name)), path_("/run/netns/" + name_) {
  ::mkdir("/run/netns", 0755);
  int f = ::open(path_.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (f < 0) netns_detail::fail("create " + path_);
  ::close(f);
  std::string error;
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      error = std::string("unshare: ") + std::strerror(errno);
      return;
    }
    // The bind mount keeps the namespace alive after this thread ends.
    if (::mount("/proc/thread-self/ns/net", path_.c_str(), "none", MS_BIND, nullptr) != 0) {
      error = std::string("bind mount: ") + std::strerror(errno);
    }
  });
  t.join();
  if (error.empty()) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (!error.empty() || fd_ < 0) {
    ::umount2(path_.c_str(), MNT_DETACH);
    ::unlink(path_.c_str());
    throw std::runtime_error("netns " + name_ + ": " + error);
  }
}

inline Netns::~Netns() {
  ::close(fd_);
  ::umount2(path_.c_str(), MNT_DETACH);
  ::unlink(path_.c_str());
}

inline void enterNetns(const Netns& ns) {
  if (::setns(ns.fd(), CLONE_NEWNET) != 0) netns_detail::fail("setns " + ns.name());
}

inline void makeVethPair(const Netns& a, const std::string& a_name, const std::string& a_prefix,
                         const Netns& b, const std::string& b_name, const std::string& b_prefix) {
  int err = inNetns(a, [&] {
    nl_sock* sock = nl_socket_alloc();
    nl_connect(sock, NETLINK_ROUTE);
    rtnl_link* link = rtnl_link_veth_alloc();
    rtnl_link_set_name(link, a_name.c_str());
    rtnl_link* peer = rtnl_link_veth_get_peer(link);
    rtnl_link_set_name(peer, b_name.c_str());
    rtnl_link_set_ns_fd(peer, b.fd());
    int e = rtnl_link_add(sock, link, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(peer);
    rtnl_link_veth_release(link);
    nl_socket_free(sock);
    return e;
  });
  if (err < 0) throw std::runtime_error(std::string("veth: ") + nl_geterror(err));
  netns_detail::configure(a, a_name, a_prefix);
  netns_detail::configure(b, b_name, b_prefix);
}

inline void makeBridge(const Netns& ns, const std::string& name, const std::string& prefix) {
  netns_detail::withRouteSocket(ns, [&](nl_sock* sock) {
    rtnl_link* link = rtnl_link_bridge_alloc();
    rtnl_link_set_name(link, name.c_str());
    int err = rtnl_link_add(sock, link, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(link);
    if (err < 0) throw std::runtime_error("bridge " + name + ": " + nl_geterror(err));
  });
  netns_detail::configure(ns, name, prefix);
}

inline void makeBridgePort(const Netns& ns, const std::string& bridge, const std::string& port,
                           const Netns& b, const std::string& b_name, const std::string& b_prefix) {
  makeVethPair(ns, port, "", b, b_name, b_prefix);
  netns_detail::withRouteSocket(ns, [&](nl_sock* sock) {
    int err = rtnl_link_enslave_ifindex(sock, netns_detail::ifindexOf(sock, bridge),
                                        netns_detail::ifindexOf(sock, port));
    if (err < 0) throw std::runtime_error("enslave " + port + ": " + nl_geterror(err));
  });
}

inline void setLinkDown(const Netns& ns, const std::string& name) {
  netns_detail::withRouteSocket(ns,
                                [&](nl_sock* sock) { netns_detail::linkUp(sock, name, false); });
}

inline PidFileGuard::~PidFileGuard() {
  std::ifstream in(pid_file_);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return;
  if (::kill(pid, SIGTERM) != 0) return;
  // Bounded: 2 s for a clean exit, then SIGKILL. The daemon is not our child: poll kill(0).
  for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i) ::usleep(10000);
  ::kill(pid, SIGKILL);
}

inline int runProgram(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace photon::test
