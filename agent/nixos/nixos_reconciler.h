// The "system" section's reconciler: activates the desired NixOS generation with a health gate
// and rollback. An activation runs on a worker thread so that the agent's loop (and the other
// domains, whose services the health checks may wait for) keeps going; meanwhile the report
// says "activating".
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/core/process_runner.h"
#include "agent/core/reconciler.h"
#include "agent/nixos/activator.h"
#include "agent/nixos/health.h"
#include "agent/nixos/journal.h"
#include "agent/nixos/nix_system.h"
#include "agent/nixos/plan.h"
#include "agent/nixos/reboot.h"
#include "common/mutex.h"

namespace photon::agent {

class NixosReconciler final : public Reconciler {
 public:
  // `runner` runs the programs of `nix` and `health`: it must outlive them.
  NixosReconciler(NixosOptions options, std::string state_dir,
                  std::unique_ptr<ProcessRunner> runner, std::unique_ptr<UnitStates> units,
                  std::unique_ptr<NixSystem> nix, std::unique_ptr<HealthChecker> health,
                  std::unique_ptr<Rebooter> rebooter);
  ~NixosReconciler() override;

  // Asked at the start of each reconcile whether the domain can activate anything (a systemd to
  // run switch-to-configuration in answers): "" when it can, else why not, and that reconcile
  // reports `failed` with the reason and leaves the node alone. Set by the wiring before the
  // first reconcile.
  void setAvailability(std::function<std::string()> unavailable) {
    unavailable_ = std::move(unavailable);
  }

  std::string section() const override { return "system"; }
  [[nodiscard]] common::Status validate(const Json& section) const override;
  // Reports {"outcome": "applied"|"rolled-back"|"failed"|"activating", "system",
  // "previous_system", "generation", "reason", "reboot_required", "booted_system",
  // "current_system", "deployment", "timings", "boot_id", "reboot"}; "reboot" is
  // {"token", "state": requested|done|failed, "health": ok|failed, "reason"} while the desired
  // section carries a reboot_token.
  Json reconcile(const Json& section) override;
  // Stops a health gate or a wait on a switch unit (the unit goes on; the journal resumes or
  // adopts either on the next start) and waits for the worker.
  void shutdown() override;

 private:
  struct Gathered {
    NixosObserved observed;
    std::string error;  // the state dir could not be read: act on nothing
  };
  Gathered gather();
  Json report(const std::optional<SystemSpec>& desired, const Gathered& gathered,
              const NixosPlan& plan);
  void work(std::optional<SystemSpec> desired);
  // Reboots once for the desired section's token (see reboot.h) and, back in the new boot, runs
  // its health gate until it passes once.
  Json rebootStep(const SystemSpec& desired, const std::string& boot_id);
  void joinIfDone();

  NixosOptions options_;
  std::unique_ptr<ProcessRunner> runner_;
  std::unique_ptr<UnitStates> units_;
  std::unique_ptr<NixSystem> nix_;
  std::unique_ptr<HealthChecker> health_;
  std::unique_ptr<Rebooter> rebooter_;
  NixosState state_;
  RebootState reboot_state_;
  Activator activator_;

  common::Mutex mutex_;
  std::thread worker_;
  bool busy_ GUARDED_BY(mutex_) = false;
  std::string target_ GUARDED_BY(mutex_);      // the system being activated
  std::string deployment_ GUARDED_BY(mutex_);  // and its deployment
  std::function<std::string()> unavailable_;   // set by the wiring before the first reconcile
};

// Wires the real adapters: fork/execve, nix-store/nix-env, sd-bus, HTTP/TCP checks; systemd's
// reboot unless `rebooter` is given, and the switch runner options.switch_bus names unless
// `switcher` is given (tests).
std::unique_ptr<NixosReconciler> makeNixosReconciler(
    NixosOptions options, std::string state_dir, std::unique_ptr<Rebooter> rebooter = nullptr,
    std::unique_ptr<SwitchRunner> switcher = nullptr);

}  // namespace photon::agent
