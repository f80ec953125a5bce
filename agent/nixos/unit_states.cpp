// UnitStates over sd-bus: the ActiveState property of the unit's object on the system bus.
#include <systemd/sd-bus.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "agent/nixos/health.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

struct BusDeleter {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
using BusPtr = std::unique_ptr<sd_bus, BusDeleter>;
struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using CharPtr = std::unique_ptr<char, FreeDeleter>;

class BusUnitStates final : public UnitStates {
 public:
  common::Result<std::string> activeState(const std::string& unit) override {
    if (!bus_) {
      sd_bus* raw = nullptr;
      int r = sd_bus_open_system(&raw);
      if (r < 0) {
        return fail(ErrorCode::kUnavailable,
                    std::string("no system bus to ask: ") + std::strerror(-r));
      }
      bus_.reset(raw);
    }
    char* path_raw = nullptr;
    int r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit.c_str(), &path_raw);
    if (r < 0)
      return fail(ErrorCode::kInternal, "encode unit path: " + std::string(std::strerror(-r)));
    CharPtr path(path_raw);
    sd_bus_error error{};  // SD_BUS_ERROR_NULL without its C compound literal
    char* state_raw = nullptr;
    r = sd_bus_get_property_string(bus_.get(), "org.freedesktop.systemd1", path.get(),
                                   "org.freedesktop.systemd1.Unit", "ActiveState", &error,
                                   &state_raw);
    if (r < 0) {
      std::string message = error.message ? error.message : std::strerror(-r);
      sd_bus_error_free(&error);
      bus_.reset();  // reconnect next time: the bus may have restarted
      return fail(ErrorCode::kUnavailable, "read ActiveState: " + message);
    }
    CharPtr state(state_raw);
    return std::string(state.get());
  }

 private:
  BusPtr bus_;
};
}  // namespace

std::unique_ptr<UnitStates> makeBusUnitStates() {
  return std::make_unique<BusUnitStates>();
}

}  // namespace photon::agent
