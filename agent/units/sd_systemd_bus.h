// SystemdBus over libsystemd's sd-bus: the system bus by default, or any bus address (the tests
// use the system bus of a systemd booted in systemd-nspawn, reached through its socket).
#pragma once

#include <memory>
#include <string>

#include "agent/units/systemd_bus.h"

namespace photon::agent {

// address: "" for the system bus, else a D-Bus address ("unix:path=/run/dbus/system_bus_socket").
[[nodiscard]] common::Result<std::unique_ptr<SystemdBus>> connectSystemdBus(
    const std::string& address = "");

}  // namespace photon::agent
