#include "agent/facts/netlink_links.h"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <algorithm>
#include <map>
#include <memory>

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

struct SockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;

std::unexpected<common::Error> nlError(const std::string& what, int err) {
  return fail(ErrorCode::kUnavailable, what + ": " + nl_geterror(err));
}

std::string addrToString(nl_addr* addr) {
  if (!addr) return {};
  char buf[128];
  return nl_addr2str(addr, buf, sizeof buf);
}

struct Context {
  std::vector<common::NicFacts>* nics;
  std::map<int, size_t>* by_index;
};
}  // namespace

common::Result<std::vector<common::NicFacts>> listNetworkInterfaces() {
  SockPtr sock(nl_socket_alloc());
  if (!sock) return fail(ErrorCode::kInternal, "netlink: out of memory");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
    return nlError("netlink connect", err);

  nl_cache* raw = nullptr;
  if (int err = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &raw); err < 0) {
    return nlError("netlink: list links", err);
  }
  CachePtr links(raw);
  raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock.get(), &raw); err < 0) {
    return nlError("netlink: list addresses", err);
  }
  CachePtr addrs(raw);

  std::vector<common::NicFacts> nics;
  std::map<int, size_t> by_index;
  Context ctx{&nics, &by_index};
  nl_cache_foreach(
      links.get(),
      [](nl_object* obj, void* arg) {
        auto* c = static_cast<Context*>(arg);
        auto* link = reinterpret_cast<rtnl_link*>(obj);
        if (rtnl_link_get_arptype(link) == ARPHRD_LOOPBACK) return;
        common::NicFacts nic;
        const char* name = rtnl_link_get_name(link);
        nic.name = name ? name : "";
        if (rtnl_link_get_arptype(link) == ARPHRD_ETHER) {
          nic.mac = addrToString(rtnl_link_get_addr(link));
        }
        unsigned flags = rtnl_link_get_flags(link);
        nic.link_up = (flags & IFF_UP) && (flags & IFF_LOWER_UP);
        (*c->by_index)[rtnl_link_get_ifindex(link)] = c->nics->size();
        c->nics->push_back(std::move(nic));
      },
      &ctx);
  nl_cache_foreach(
      addrs.get(),
      [](nl_object* obj, void* arg) {
        auto* c = static_cast<Context*>(arg);
        auto* addr = reinterpret_cast<rtnl_addr*>(obj);
        auto it = c->by_index->find(rtnl_addr_get_ifindex(addr));
        if (it == c->by_index->end()) return;
        // Link-local addresses are derived from the MAC on every link: they say nothing.
        if (rtnl_addr_get_scope(addr) == RT_SCOPE_LINK) return;
        // nl_addr2str leaves out a full-length prefix; the facts always carry one.
        std::string text = addrToString(rtnl_addr_get_local(addr));
        if (text.empty()) return;
        text = text.substr(0, text.find('/')) + "/" + std::to_string(rtnl_addr_get_prefixlen(addr));
        (*c->nics)[it->second].addresses.push_back(text);
      },
      &ctx);
  for (auto& nic : nics) std::sort(nic.addresses.begin(), nic.addresses.end());
  std::sort(nics.begin(), nics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return nics;
}

}  // namespace photon::agent
