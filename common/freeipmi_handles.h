// FreeIPMI's context and reply objects as owning handles, and the context's last error in
// words: what the coordinator's IPMI driver and the agent's in-band BMC facts both hold.
// Header-only: only targets that link libfreeipmi include it.
#pragma once

#include <freeipmi/freeipmi.h>

#include <memory>
#include <string>
#include <type_traits>

namespace photon::common {

struct IpmiCtxDeleter {
  void operator()(ipmi_ctx_t ctx) const {
    ipmi_ctx_close(ctx);
    ipmi_ctx_destroy(ctx);
  }
};
using IpmiCtx = std::unique_ptr<std::remove_pointer_t<ipmi_ctx_t>, IpmiCtxDeleter>;

struct FiidDeleter {
  void operator()(fiid_obj_t obj) const { fiid_obj_destroy(obj); }
};
using Fiid = std::unique_ptr<std::remove_pointer_t<fiid_obj_t>, FiidDeleter>;

inline std::string ipmiCtxError(ipmi_ctx_t ctx) {
  const char* message = ipmi_ctx_errormsg(ctx);
  return message ? message : "unknown error";
}

}  // namespace photon::common
