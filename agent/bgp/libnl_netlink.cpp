#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <memory>

#include "agent/bgp/netlink.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

struct SockFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct LinkPut {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrPut {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrPut {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct CacheFree {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using SockPtr = std::unique_ptr<nl_sock, SockFree>;
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using AddrPtr = std::unique_ptr<rtnl_addr, AddrPut>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrPut>;
using CachePtr = std::unique_ptr<nl_cache, CacheFree>;

std::unexpected<common::Error> nlError(const std::string& what, int err) {
  return fail(ErrorCode::kUnavailable, what + ": " + nl_geterror(err));
}

class LibnlNetlink final : public Netlink {
 public:
  explicit LibnlNetlink(SockPtr sock) : sock_(std::move(sock)) {}

  common::Status ensureDummyLink(const std::string& name) override {
    PHOTON_TRY(auto link, getLink(name));
    if (!link) {
      int err = createLink(name, "dummy");
      // EOPNOTSUPP: this kernel has no dummy driver.
      if (err == -NLE_OPNOTSUPP) err = createLink(name, "ifb");
      if (err < 0 && err != -NLE_EXIST) return nlError("create link " + name, err);
      PHOTON_TRY(link, getLink(name));
      if (!link) return fail(ErrorCode::kInternal, "link " + name + " vanished after creation");
    }
    if (rtnl_link_get_flags(link.get()) & IFF_UP) return {};
    LinkPtr change(rtnl_link_alloc());
    rtnl_link_set_flags(change.get(), IFF_UP);
    if (int err = rtnl_link_change(sock_.get(), link.get(), change.get(), 0); err < 0) {
      return nlError("bring up " + name, err);
    }
    return {};
  }

  common::Status addAddress(const std::string& link, const std::string& prefix) override {
    PHOTON_TRY(auto addr, makeAddr(link, prefix));
    int err = rtnl_addr_add(sock_.get(), addr.get(), 0);
    if (err < 0 && err != -NLE_EXIST) return nlError("add " + prefix + " to " + link, err);
    return {};
  }

  common::Status removeAddress(const std::string& link, const std::string& prefix) override {
    PHOTON_TRY(auto addr, makeAddr(link, prefix));
    int err = rtnl_addr_delete(sock_.get(), addr.get(), 0);
    if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND) {
      return nlError("remove " + prefix + " from " + link, err);
    }
    return {};
  }

  common::Result<std::vector<std::string>> listAddresses(const std::string& name) override {
    std::vector<std::string> out;
    PHOTON_TRY(auto link, getLink(name));
    if (!link) return out;
    int ifindex = rtnl_link_get_ifindex(link.get());
    nl_cache* raw = nullptr;
    if (int err = rtnl_addr_alloc_cache(sock_.get(), &raw); err < 0) {
      return nlError("list addresses", err);
    }
    CachePtr cache(raw);
    for (nl_object* obj = nl_cache_get_first(cache.get()); obj; obj = nl_cache_get_next(obj)) {
      auto* addr = reinterpret_cast<rtnl_addr*>(obj);
      if (rtnl_addr_get_ifindex(addr) != ifindex) continue;
      nl_addr* local = rtnl_addr_get_local(addr);
      if (!local) continue;
      char text[INET6_ADDRSTRLEN] = {};
      int family = nl_addr_get_family(local);
      if (!inet_ntop(family, nl_addr_get_binary_addr(local), text, sizeof text)) continue;
      out.push_back(std::string(text) + "/" + std::to_string(rtnl_addr_get_prefixlen(addr)));
    }
    return out;
  }

 private:
  common::Result<LinkPtr> getLink(const std::string& name) {
    rtnl_link* raw = nullptr;
    int err = rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return LinkPtr{};
    if (err < 0) return nlError("look up link " + name, err);
    return LinkPtr(raw);
  }

  int createLink(const std::string& name, const char* kind) {
    LinkPtr link(rtnl_link_alloc());
    rtnl_link_set_name(link.get(), name.c_str());
    if (int err = rtnl_link_set_type(link.get(), kind); err < 0) return err;
    return rtnl_link_add(sock_.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
  }

  common::Result<AddrPtr> makeAddr(const std::string& link_name, const std::string& prefix) {
    PHOTON_TRY(auto link, getLink(link_name));
    if (!link) return fail(ErrorCode::kNotFound, "no link " + link_name);
    nl_addr* raw = nullptr;
    if (int err = nl_addr_parse(prefix.c_str(), AF_UNSPEC, &raw); err < 0) {
      return nlError("parse " + prefix, err);
    }
    NlAddrPtr local(raw);
    AddrPtr addr(rtnl_addr_alloc());
    rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(link.get()));
    if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0) {
      return nlError("address " + prefix, err);
    }
    // A VIP is unique by construction; duplicate address detection would only delay it.
    if (nl_addr_get_family(local.get()) == AF_INET6) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
    return addr;
  }

  SockPtr sock_;
};

}  // namespace

common::Result<std::unique_ptr<Netlink>> makeLibnlNetlink() {
  SockPtr sock(nl_socket_alloc());
  if (!sock) return fail(ErrorCode::kInternal, "nl_socket_alloc failed");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) return nlError("nl_connect", err);
  // libnl opens its socket without SOCK_CLOEXEC; BIRD and every other child must not inherit it.
  if (int fd = nl_socket_get_fd(sock.get()); fd >= 0) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  return std::unique_ptr<Netlink>(new LibnlNetlink(std::move(sock)));
}

}  // namespace photon::agent
