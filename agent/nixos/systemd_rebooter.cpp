// Rebooter over sd-bus: systemd's own reboot (stops every unit in order, then reboots), the
// same job `systemctl reboot` queues. Never a reboot(2) behind systemd's back.
#include <systemd/sd-bus.h>

#include <cstring>
#include <fstream>

#include "agent/nixos/reboot.h"
#include "common/log.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

class SystemdRebooter final : public Rebooter {
 public:
  SystemdRebooter(std::string boot_id_path, std::string bus_address)
      : boot_id_path_(std::move(boot_id_path)), bus_address_(std::move(bus_address)) {}

  common::Status reboot() override {
    sd_bus* bus = nullptr;
    int r = bus_address_.empty() ? sd_bus_open_system(&bus) : openAt(&bus);
    if (r < 0) {
      return fail(ErrorCode::kUnavailable, std::string("no system bus: ") + std::strerror(-r));
    }
    sd_bus_error error{};  // SD_BUS_ERROR_NULL without its C compound literal
    sd_bus_message* reply = nullptr;
    // replace-irreversibly: a later job cannot cancel the reboot once it is queued.
    r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                           "org.freedesktop.systemd1.Manager", "StartUnit", &error, &reply, "ss",
                           "reboot.target", "replace-irreversibly");
    std::string message = r < 0 ? (error.message ? error.message : std::strerror(-r)) : "";
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    sd_bus_flush_close_unref(bus);
    if (r < 0) return fail(ErrorCode::kUnavailable, "StartUnit reboot.target: " + message);
    return {};
  }

  std::string bootId() override {
    std::ifstream in(boot_id_path_);
    std::string id;
    std::getline(in, id);
    // A uuid: anything else (or longer) is not one.
    if (id.size() > 64) return "";
    return id;
  }

 private:
  int openAt(sd_bus** out) {
    sd_bus* bus = nullptr;
    int r = sd_bus_new(&bus);
    if (r < 0) return r;
    if ((r = sd_bus_set_address(bus, bus_address_.c_str())) < 0 ||
        (r = sd_bus_set_bus_client(bus, 1)) < 0 || (r = sd_bus_start(bus)) < 0) {
      sd_bus_unref(bus);
      return r;
    }
    *out = bus;
    return 0;
  }

  std::string boot_id_path_;
  std::string bus_address_;
};
}  // namespace

std::unique_ptr<Rebooter> makeSystemdRebooter(std::string boot_id_path, std::string bus_address) {
  return std::make_unique<SystemdRebooter>(std::move(boot_id_path), std::move(bus_address));
}

}  // namespace photon::agent
