// The states the agent reports and the coordinator acts on, as enums with one name table each
// (their wire strings): shared by both daemons, so that domain logic compares values the compiler
// knows, never string literals. Read with readEnum (common/api/name_table.h): an unknown name is
// an error naming its field.
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "common/api/name_table.h"

namespace photon::common {

// An instance's health as placement acts on it, stored in its allocation; kUnknown ("") until
// the agent has reported the instance. The agent's own checks report starting, healthy or
// unhealthy.
enum class InstanceHealth {
  kUnknown,
  kStarting,
  kHealthy,
  kUnhealthy,
  kFailed,
  kRefused,
  kMissing
};

// An instance's state in the agent's units report: systemd's ActiveState of its unit, or
// kRefused for an instance the agent would not start (a bad spec); kUnknown ("") when absent.
enum class InstanceState {
  kUnknown,
  kActive,
  kReloading,
  kInactive,
  kFailed,
  kActivating,
  kDeactivating,
  kMaintenance,
  kRefreshing,
  kRefused,
};

// The outcome of the agent's NixOS activation, in its "system" report and its journal.
enum class ActivationOutcome { kApplied, kActivating, kFailed, kRolledBack };

// Whether a node's agent still reports; kNotExpected ("") for a node in a state without an
// agent (discovered, installing, retired...).
enum class Liveness { kNotExpected, kAlive, kMissing };

// A VM's status as the agent reports it: while its QEMU process lives, QEMU's run state as
// query-status names it (QAPI RunState), kUnknown before QEMU has answered; once the process is
// gone, kStopped, or kShutdown / kCrashed when it ended by itself (a clean exit or not) and is
// held down.
enum class VmStatus {
  kUnknown,
  kStopped,
  kCrashed,
  kDebug,
  kInmigrate,
  kInternalError,
  kIoError,
  kPaused,
  kPostmigrate,
  kPrelaunch,
  kFinishMigrate,
  kRestoreVm,
  kRunning,
  kSaveVm,
  kShutdown,
  kSuspended,
  kWatchdog,
  kGuestPanicked,
  kColo,
};

// A BGP session's state as BIRD's "show protocols" names it (RFC 4271's states, and Close).
enum class BgpSessionState {
  kIdle,
  kConnect,
  kActive,
  kOpenSent,
  kOpenConfirm,
  kEstablished,
  kClose
};

template <>
struct EnumNames<InstanceHealth> {
  static constexpr std::array<std::pair<InstanceHealth, std::string_view>, 7> kNames = {{
      {InstanceHealth::kUnknown, ""},
      {InstanceHealth::kStarting, "starting"},
      {InstanceHealth::kHealthy, "healthy"},
      {InstanceHealth::kUnhealthy, "unhealthy"},
      {InstanceHealth::kFailed, "failed"},
      {InstanceHealth::kRefused, "refused"},
      {InstanceHealth::kMissing, "missing"},
  }};
};

template <>
struct EnumNames<InstanceState> {
  static constexpr std::array<std::pair<InstanceState, std::string_view>, 10> kNames = {{
      {InstanceState::kUnknown, ""},
      {InstanceState::kActive, "active"},
      {InstanceState::kReloading, "reloading"},
      {InstanceState::kInactive, "inactive"},
      {InstanceState::kFailed, "failed"},
      {InstanceState::kActivating, "activating"},
      {InstanceState::kDeactivating, "deactivating"},
      {InstanceState::kMaintenance, "maintenance"},
      {InstanceState::kRefreshing, "refreshing"},
      {InstanceState::kRefused, "refused"},
  }};
};

template <>
struct EnumNames<ActivationOutcome> {
  static constexpr std::array<std::pair<ActivationOutcome, std::string_view>, 4> kNames = {{
      {ActivationOutcome::kApplied, "applied"},
      {ActivationOutcome::kActivating, "activating"},
      {ActivationOutcome::kFailed, "failed"},
      {ActivationOutcome::kRolledBack, "rolled-back"},
  }};
};

template <>
struct EnumNames<Liveness> {
  static constexpr std::array<std::pair<Liveness, std::string_view>, 3> kNames = {{
      {Liveness::kNotExpected, ""},
      {Liveness::kAlive, "alive"},
      {Liveness::kMissing, "missing"},
  }};
};

template <>
struct EnumNames<VmStatus> {
  static constexpr std::array<std::pair<VmStatus, std::string_view>, 19> kNames = {{
      {VmStatus::kUnknown, "unknown"},
      {VmStatus::kStopped, "stopped"},
      {VmStatus::kCrashed, "crashed"},
      {VmStatus::kDebug, "debug"},
      {VmStatus::kInmigrate, "inmigrate"},
      {VmStatus::kInternalError, "internal-error"},
      {VmStatus::kIoError, "io-error"},
      {VmStatus::kPaused, "paused"},
      {VmStatus::kPostmigrate, "postmigrate"},
      {VmStatus::kPrelaunch, "prelaunch"},
      {VmStatus::kFinishMigrate, "finish-migrate"},
      {VmStatus::kRestoreVm, "restore-vm"},
      {VmStatus::kRunning, "running"},
      {VmStatus::kSaveVm, "save-vm"},
      {VmStatus::kShutdown, "shutdown"},
      {VmStatus::kSuspended, "suspended"},
      {VmStatus::kWatchdog, "watchdog"},
      {VmStatus::kGuestPanicked, "guest-panicked"},
      {VmStatus::kColo, "colo"},
  }};
};

template <>
struct EnumNames<BgpSessionState> {
  static constexpr std::array<std::pair<BgpSessionState, std::string_view>, 7> kNames = {{
      {BgpSessionState::kIdle, "Idle"},
      {BgpSessionState::kConnect, "Connect"},
      {BgpSessionState::kActive, "Active"},
      {BgpSessionState::kOpenSent, "OpenSent"},
      {BgpSessionState::kOpenConfirm, "OpenConfirm"},
      {BgpSessionState::kEstablished, "Established"},
      {BgpSessionState::kClose, "Close"},
  }};
};

inline std::string_view toString(InstanceHealth v) {
  return enumName(v);
}
inline std::string_view toString(InstanceState v) {
  return enumName(v);
}
inline std::string_view toString(ActivationOutcome v) {
  return enumName(v);
}
inline std::string_view toString(Liveness v) {
  return enumName(v);
}
inline std::string_view toString(VmStatus v) {
  return enumName(v);
}
inline std::string_view toString(BgpSessionState v) {
  return enumName(v);
}

}  // namespace photon::common
