// The reboot a deployment asks for (the desired system section's reboot_token), made safe across
// the reboot itself: before systemd is told to reboot, the token and the current boot id are
// recorded in the state dir (nixos-reboot.json). After the node comes back, a different boot id
// means this token's reboot is done: it is never repeated for the same token, whatever the
// node booted, so no desired document can put a node into a reboot loop.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

struct RebootRecord {
  std::string token;
  std::string boot_id;          // the boot that asked for the reboot
  int64_t requested_at_ms = 0;  // wall clock
  std::string health;           // "ok" once the health gate passed in the new boot
  bool operator==(const RebootRecord&) const = default;
};

common::Json toJson(const RebootRecord& record);
[[nodiscard]] common::Result<RebootRecord> rebootRecordFromJson(const common::Json& json);

enum class RebootAction {
  kNothing,  // no reboot asked for
  kReboot,   // record, then reboot
  kWait,     // asked for in this boot already: systemd is on its way down
  kDone,     // this token's reboot happened: report it, run the health gate
};

// Pure: what to do for `token` given this boot's id and what was recorded.
RebootAction planReboot(const std::string& token, const std::string& boot_id,
                        const std::optional<RebootRecord>& record);

// The system's reboot and this boot's identity.
class Rebooter {
 public:
  virtual ~Rebooter() = default;
  // Asks systemd to reboot (returns once the job is queued).
  [[nodiscard]] virtual common::Status reboot() = 0;
  // This boot's id (empty when it cannot be read).
  virtual std::string bootId() = 0;
};

// org.freedesktop.systemd1.Manager.StartUnit("reboot.target", "replace-irreversibly") on the
// system bus: what `systemctl reboot` does. The boot id comes from `boot_id_path`. An empty
// `bus_address` is the system bus; tests give a container's ("unix:path=…").
std::unique_ptr<Rebooter> makeSystemdRebooter(
    std::string boot_id_path = "/proc/sys/kernel/random/boot_id", std::string bus_address = "");

// nixos-reboot.json in the state dir, written atomically (0600).
class RebootState {
 public:
  explicit RebootState(const std::string& state_dir);
  [[nodiscard]] common::Result<std::optional<RebootRecord>> load() const;
  [[nodiscard]] common::Status save(const RebootRecord& record) const;
  [[nodiscard]] common::Status remove() const;

 private:
  std::string path_;
};

}  // namespace photon::agent
