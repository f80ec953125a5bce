// RAII owners for sd-bus handles, and an sd_bus_error that frees itself.
#pragma once

#include <systemd/sd-bus.h>
#include <memory>
#include <string>

namespace photon::agent {

struct SdBusDeleter {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct SdBusMessageDeleter {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct SdBusSlotDeleter {
  void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
};
using SdBusPtr = std::unique_ptr<sd_bus, SdBusDeleter>;
using SdBusMessagePtr = std::unique_ptr<sd_bus_message, SdBusMessageDeleter>;
using SdBusSlotPtr = std::unique_ptr<sd_bus_slot, SdBusSlotDeleter>;

class SdBusError {
 public:
  SdBusError() = default;
  ~SdBusError() { sd_bus_error_free(&error_); }
  SdBusError(const SdBusError&) = delete;
  SdBusError& operator=(const SdBusError&) = delete;

  sd_bus_error* get() { return &error_; }
  bool has(const char* name) const { return sd_bus_error_has_name(&error_, name); }
  // The bus error's message when there is one, else the errno text of `r`.
  std::string describe(int r) const;

 private:
  // SD_BUS_ERROR_NULL (all null) without its C compound literal, which clang flags in C++.
  sd_bus_error error_{};
};

}  // namespace photon::agent
