// The libnl part of the facts, checked in a network namespace of its own: a forked child
// unshares its network namespace (it dies with the child, nothing to clean up), makes a veth
// pair and a dummy link, and reports what listNetworkInterfaces() saw through a pipe.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "agent/facts/netlink_links.h"

using namespace photon;

namespace {
int setUp(nl_sock* sock, const char* name) {
  rtnl_link* link = nullptr;
  if (rtnl_link_get_kernel(sock, 0, name, &link) < 0) return -1;
  rtnl_link* change = rtnl_link_alloc();
  rtnl_link_set_flags(change, IFF_UP);
  int err = rtnl_link_change(sock, link, change, 0);
  rtnl_link_put(change);
  rtnl_link_put(link);
  return err;
}

int addAddress(nl_sock* sock, const char* name, const char* cidr) {
  int index = static_cast<int>(if_nametoindex(name));
  if (index == 0) return -1;
  nl_addr* local = nullptr;
  if (nl_addr_parse(cidr, AF_INET, &local) < 0) return -1;
  rtnl_addr* addr = rtnl_addr_alloc();
  rtnl_addr_set_ifindex(addr, index);
  rtnl_addr_set_local(addr, local);
  int err = rtnl_addr_add(sock, addr, 0);
  rtnl_addr_put(addr);
  nl_addr_put(local);
  return err;
}

// Runs in the child, in its new namespace; returns what to send back, or "ERR ...".
std::string buildAndList() {
  if (unshare(CLONE_NEWNET) != 0) return "ERR unshare";
  nl_sock* sock = nl_socket_alloc();
  if (nl_connect(sock, NETLINK_ROUTE) < 0) return "ERR connect";
  if (rtnl_link_veth_add(sock, "pv-a", "pv-b", getpid()) < 0) return "ERR veth";
  // A dummy link; kernels built without the dummy module (this CI's) get a bridge, which is
  // just as free of hardware, in its place.
  std::string kind = "dummy";
  for (const char* type : {"dummy", "bridge"}) {
    rtnl_link* extra = rtnl_link_alloc();
    rtnl_link_set_name(extra, "pdummy0");
    rtnl_link_set_type(extra, type);
    int err = rtnl_link_add(sock, extra, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(extra);
    kind = type;
    if (err >= 0) break;
    if (kind == "bridge") return "ERR dummy and bridge links refused";
  }
  if (setUp(sock, "pv-a") < 0 || setUp(sock, "pv-b") < 0 || setUp(sock, "pdummy0") < 0) {
    return "ERR up";
  }
  if (addAddress(sock, "pdummy0", "192.0.2.7/32") < 0 ||
      addAddress(sock, "pv-a", "198.51.100.1/24") < 0) {
    return "ERR address";
  }
  nl_socket_free(sock);
  auto nics = agent::listNetworkInterfaces();
  if (!nics) return "ERR list " + nics.error().message;
  common::Facts facts;
  facts.nics = *nics;
  return kind + " " + common::toJson(facts)["nics"].dump();
}
}  // namespace

TEST_CASE("facts: netlink sees a veth pair and a dummy link in a fresh namespace",
          "[agent][integration]") {
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(fds[0]);
    std::string out = buildAndList();
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  INFO(out);
  REQUIRE_FALSE(out.starts_with("ERR"));
  std::string kind = out.substr(0, out.find(' '));
  if (kind != "dummy") WARN("this kernel has no dummy links: checked with a " << kind);
  auto nics = common::Json::parse(out.substr(out.find(' ') + 1));
  REQUIRE(nics.size() == 3);  // lo is left out
  CHECK(nics[0]["name"] == "pdummy0");
  CHECK(nics[0]["addresses"] == common::Json::array({"192.0.2.7/32"}));
  CHECK(nics[0]["mac"].get<std::string>().size() == 17);
  CHECK(nics[1]["name"] == "pv-a");
  CHECK(nics[1]["link_up"] == true);  // both ends are up: the carrier is there
  CHECK(nics[1]["addresses"] == common::Json::array({"198.51.100.1/24"}));
  CHECK(nics[2]["name"] == "pv-b");
  CHECK(nics[2]["addresses"].empty());
  CHECK(nics[1]["mac"] != nics[2]["mac"]);
}
