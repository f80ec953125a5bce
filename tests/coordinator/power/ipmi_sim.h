// OpenIPMI's ipmi_sim as a real BMC on a loopback UDP port: RMCP+ (lanplus) with user "admin",
// and a chassis_control program that keeps the "machine"'s power and next boot device in files
// of the test's temp dir (a machine of files, or a real VM in the e2e test).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>

#include "coordinator/power/ipmi_driver.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

// `fd` bound to a free loopback port, whose number it returns; throws (the test fails naming
// the errno) rather than hand a test port 0.
inline int bindLoopback(int fd) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::system_error(errno, std::generic_category(), "bind a loopback socket");
  }
  return ntohs(addr.sin_port);
}

// A loopback port free right now (bound to port 0, read, closed): SOCK_DGRAM or SOCK_STREAM.
inline int freePort(int type) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  int port = 0;
  try {
    port = bindLoopback(fd);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    throw;
  }
  ::close(fd);
  return port;
}
inline int freeUdpPort() {
  return freePort(SOCK_DGRAM);
}
inline int freeTcpPort() {
  return freePort(SOCK_STREAM);
}

// A BMC that never answers: a bound UDP socket nobody reads (IPMI's RMCP+: datagrams to it are
// queued and dropped; the client hears nothing, not even an ICMP port unreachable), or with
// SOCK_STREAM a TCP listener that never accepts (Redfish: the kernel completes the handshake, no
// byte ever comes).
class SilentBmc {
 public:
  explicit SilentBmc(int type = SOCK_DGRAM) {
    fd_ = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    port_ = bindLoopback(fd_);  // a throw here leaks fd_ for the rest of a failing test
    if (type == SOCK_STREAM && ::listen(fd_, 64) != 0) {
      throw std::system_error(errno, std::generic_category(), "listen on the silent BMC's port");
    }
  }
  ~SilentBmc() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class IpmiSim {
 public:
  static constexpr const char* kUser = "admin";
  static constexpr const char* kPassword = "bmc-pw-1";

  // A lan_config_program for a BMC at `address` (static) with `mac`; it appends each question it
  // is asked to `log`, so a test sees that the facts came from the BMC.
  static std::string lanScript(const std::string& log, const std::string& address,
                               const std::string& mac) {
    return "#!/bin/sh\n"
           "echo \"$@\" >> " +
           log +
           "\n"
           "[ \"$1\" = get ] || exit 0\n"
           "shift\n"
           "for p in \"$@\"; do case $p in\n"
           "  ip_addr) echo ip_addr:" +
           address +
           ";;\n"
           "  ip_addr_src) echo ip_addr_src:static;;\n"
           "  mac_addr) echo mac_addr:" +
           mac +
           ";;\n"
           "  subnet_mask) echo subnet_mask:255.255.255.0;;\n"
           "  *) echo $p:0.0.0.0;;\n"
           "esac; done\n";
  }

  // `chassis_script`: the body of the chassis_control program (sh); empty: the file machine.
  // `lan_script`: the body of the LAN channel's lan_config_program (sh), which ipmi_sim asks for
  // the BMC's own LAN parameters (`get ip_addr`, `get mac_addr`, … printing name:value lines);
  // empty: none, and ipmi_sim fails those parameters.
  // `vm_port`: a loopback TCP port where ipmi_sim listens for a VM's BMC interface (QEMU's
  // ipmi-bmc-extern, the "VM" codec), which gives the guest a KCS system interface: /dev/ipmi0.
  explicit IpmiSim(const std::string& chassis_script = {}, const std::string& lan_script = {},
                   int vm_port = 0)
      : port_(freeUdpPort()) {
    std::string dir = temp_.path();
    temp_.write("power", "0\n");
    temp_.write("boot", "default\n");
    std::string script = chassis_script.empty() ? fileMachine(dir) : chassis_script;
    std::string prog = temp_.write("chassis_control", script);
    ::chmod(prog.c_str(), 0700);
    std::string lan_config;
    if (!lan_script.empty()) {
      std::string lan_prog = temp_.write("lan_control", lan_script);
      ::chmod(lan_prog.c_str(), 0700);
      lan_config = "    lan_config_program \"" + lan_prog + "\"\n";
    }
    temp_.write("lan.conf",
                "name \"photon-test\"\n"
                "set_working_mc 0x20\n"
                "  startlan 1\n"
                "    addr 127.0.0.1 " +
                    std::to_string(port_) +
                    "\n"
                    "    priv_limit admin\n"
                    "    allowed_auths_callback none md2 md5 straight\n"
                    "    allowed_auths_user none md2 md5 straight\n"
                    "    allowed_auths_operator none md2 md5 straight\n"
                    "    allowed_auths_admin none md2 md5 straight\n"
                    "    guid a123456789abcdefa123456789abcdef\n" +
                    lan_config + "  endlan\n" +
                    (vm_port ? "  serial 15 127.0.0.1 " + std::to_string(vm_port) + " codec VM\n"
                             : std::string()) +
                    "  chassis_control \"" + prog +
                    "\"\n"
                    "  user 2 true \"" +
                    kUser + "\" \"" + kPassword + "\" admin 10 none md2 md5 straight\n");
    temp_.write("cmds.emu",
                "mc_setbmc 0x20\n"
                "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n"
                "mc_enable 0x20\n");
    ::mkdir((dir + "/state").c_str(), 0700);
    sim_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/ipmi_sim", "-c", dir + "/lan.conf", "-f",
                                 dir + "/cmds.emu", "-n", "-s", dir + "/state"},
        dir + "/ipmi_sim.log");
    waitUntilAnswering();
  }

  int port() const { return port_; }
  const std::string& dir() const { return temp_.path(); }
  coordinator::power::BmcAccess access() const {
    coordinator::power::BmcAccess a;
    a.driver = "ipmi";
    a.address = "127.0.0.1";
    a.port = port_;
    a.username = kUser;
    a.password = kPassword;
    return a;
  }
  // What chassis_control holds: "1"/"0" and the next boot device.
  std::string power() const { return read("power"); }
  std::string boot() const { return read("boot"); }
  // Every call ipmi_sim made to chassis_control, one per line.
  std::string calls() const { return read("calls"); }

 private:
  static std::string fileMachine(const std::string& dir) {
    return "#!/bin/sh\n"
           "# ipmi_sim's chassis_control: `get power|boot …` prints name:value lines,\n"
           "# `set power 0|1`, `set boot DEV` change the machine.\n"
           "echo \"$@\" >> " +
           dir +
           "/calls\n"
           "if [ \"$1\" = get ]; then shift\n"
           "  for w in \"$@\"; do case $w in\n"
           "    power) echo \"power:$(cat " +
           dir +
           "/power)\";;\n"
           "    boot) echo \"boot:$(cat " +
           dir +
           "/boot)\";;\n"
           "  esac; done\n"
           "elif [ \"$1\" = set ]; then\n"
           "  case \"$2\" in\n"
           "    power) echo \"$3\" > " +
           dir +
           "/power;;\n"
           "    boot) echo \"$3\" > " +
           dir +
           "/boot;;\n"
           "  esac\n"
           "fi\n";
  }
  std::string read(const std::string& name) const {
    std::ifstream in(temp_.file(name));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  void waitUntilAnswering() {
    coordinator::power::IpmiDriver probe(access());
    for (int i = 0; i < 50; ++i) {
      auto state = probe.status(std::chrono::steady_clock::now() + std::chrono::milliseconds(300));
      if (state) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  TempDir temp_;
  int port_;
  std::unique_ptr<ChildProcess> sim_;
};

}  // namespace photon::test
