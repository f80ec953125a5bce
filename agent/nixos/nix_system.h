// The one adapter between the nixos domain and Nix on the node: the store, the system profile
// and its generations, switch-to-configuration, and the /run links that say what runs and what
// booted. Whole tasks, each a program run through the ProcessRunner with an argument vector.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/process_runner.h"
#include "agent/nixos/switch_runner.h"
#include "common/result.h"

namespace photon::agent {

// NixosOptions::switch_bus for a host without systemd.
inline constexpr const char* kSwitchInProcess = "none";

struct NixosOptions {
  // The system profile whose generations are the node's systems.
  std::string profile = "/nix/var/nix/profiles/system";
  // Empty: the node's own store. A directory: an independent (chroot) store rooted there, whose
  // /nix/store/X lives at STORE/nix/store/X (tests).
  std::string store;
  // Where run/current-system and run/booted-system live ("/" on a node; a temp dir in tests).
  std::string root = "/";
  std::string nix_store_program = "nix-store";
  std::string nix_env_program = "nix-env";
  std::chrono::milliseconds realise_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds profile_timeout{std::chrono::minutes(2)};
  // How long the previous generation's switch-to-configuration may take during a rollback.
  std::chrono::milliseconds rollback_timeout{std::chrono::minutes(10)};
  // How often the health gate re-runs failing checks before the confirm deadline.
  std::chrono::milliseconds health_interval{std::chrono::milliseconds(500)};
  std::chrono::milliseconds health_check_timeout{std::chrono::seconds(5)};
  // The systemd switch-to-configuration runs under: a D-Bus address, "" for the system bus, or
  // kSwitchInProcess to run it as the agent's child (hosts without systemd: the tests). Inside
  // the agent's sandbox a switch cannot work, so a bus that does not answer is an error of the
  // domain, never a silent fallback to the child.
  std::string switch_bus;
};

struct Generation {
  int64_t number = 0;
  std::string system;  // the store path the generation points at
  bool operator==(const Generation&) const = default;
};

struct Substitution {
  std::vector<std::string> substituters;
  std::vector<std::string> trusted_public_keys;
  bool require_sigs = true;
};

// The kernel and initrd a system boots: when these differ between the booted system and the
// one activated, only a reboot brings the new one fully in.
struct BootFiles {
  std::string kernel;
  std::string initrd;
  bool operator==(const BootFiles&) const = default;
};

class NixSystem {
 public:
  virtual ~NixSystem() = default;
  // Fetches `path` and its closure into the store from the substituters, checking signatures
  // against the keys unless require_sigs is false.
  [[nodiscard]] virtual common::Status realise(const std::string& path,
                                               const Substitution& from) = 0;
  // The profile's current generation; nothing when the profile does not exist yet.
  [[nodiscard]] virtual common::Result<std::optional<Generation>> currentGeneration() = 0;
  // Makes `path` the profile's new current generation.
  [[nodiscard]] virtual common::Status setProfile(const std::string& path) = 0;
  // Makes generation `number` current again.
  [[nodiscard]] virtual common::Status switchGeneration(int64_t number) = 0;
  // Runs SYSTEM/bin/switch-to-configuration MODE as the run `run` (see switch_runner.h): on a
  // node in a unit of its own that outlives the agent. `environment`: switchEnvironment().
  [[nodiscard]] virtual common::Result<ProcessResult> switchToConfiguration(
      const std::string& system, const std::string& mode, std::chrono::milliseconds timeout,
      const std::string& run, const std::vector<std::string>& environment) = 0;
  // The run `run` an agent before this one started: how it ended (waiting up to `timeout` while
  // it goes on); nothing when it is not known.
  [[nodiscard]] virtual common::Result<std::optional<ProcessResult>> adoptSwitch(
      const std::string& run, std::chrono::milliseconds timeout) = 0;
  // Forgets the run once its outcome is recorded.
  virtual void releaseSwitch(const std::string& run) = 0;
  // Agent shutdown: waits on runs return, and the runs go on (SwitchRunner::abandon).
  virtual void abandonSwitches() = 0;
  // /run/current-system and /run/booted-system (empty when absent).
  virtual std::string currentSystem() = 0;
  virtual std::string bootedSystem() = 0;
  virtual BootFiles bootFiles(const std::string& system) = 0;
};

// `switcher` runs switch-to-configuration; null: as a child through `runner`.
std::unique_ptr<NixSystem> makeNixSystem(const NixosOptions& options, ProcessRunner& runner,
                                         std::unique_ptr<SwitchRunner> switcher = nullptr);

// "system-42-link" -> 42 for profile "system"; nothing for anything else. Pure.
std::optional<int64_t> parseGenerationLink(const std::string& profile_name,
                                           const std::string& link);
// The argument vector of the realise step. Pure.
std::vector<std::string> realiseArgv(const NixosOptions& options, const std::string& path,
                                     const Substitution& from);

}  // namespace photon::agent
