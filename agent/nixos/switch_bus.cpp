#include "agent/nixos/switch_bus.h"

#include "common/log.h"

namespace photon::agent {

SwitchBus::SwitchBus(std::string name, Connect connect)
    : name_(std::move(name)), connect_(std::move(connect)) {}

common::Result<std::shared_ptr<SystemdBus>> SwitchBus::get() {
  std::lock_guard lock(mu_);
  if (bus_) return bus_;
  auto connected = connect_();
  if (!connected) {
    auto reason = "switch-to-configuration runs in a systemd unit, but no systemd answers on " +
                  name_ + ": " + connected.error().message +
                  " (nothing was activated; asked again each round; on a host without systemd "
                  "set the switch bus to \"none\")";
    if (!said_unavailable_) common::logError("nixos: " + reason);
    said_unavailable_ = true;
    return common::fail(common::ErrorCode::kUnavailable, reason);
  }
  if (said_unavailable_) common::logInfo("nixos: systemd answers on " + name_ + " now");
  said_unavailable_ = false;
  bus_ = std::shared_ptr<SystemdBus>(std::move(*connected));
  return bus_;
}

namespace {

class ReconnectingSwitchRunner final : public SwitchRunner {
 public:
  ReconnectingSwitchRunner(std::shared_ptr<SwitchBus> bus, std::string log_dir)
      : bus_(std::move(bus)), log_dir_(std::move(log_dir)) {}

  common::Result<ProcessResult> run(const std::string& name, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout,
                                    const std::vector<std::string>& environment) override {
    PHOTON_TRY(SwitchRunner * inner, runner());
    return inner->run(name, argv, timeout, environment);
  }
  common::Result<std::optional<ProcessResult>> adopt(const std::string& name,
                                                     std::chrono::milliseconds timeout) override {
    PHOTON_TRY(SwitchRunner * inner, runner());
    return inner->adopt(name, timeout);
  }
  void release(const std::string& name) override {
    if (auto inner = runner()) (*inner)->release(name);
  }
  void abandon() override {
    std::lock_guard lock(mu_);
    abandoned_ = true;
    if (inner_) inner_->abandon();
  }

 private:
  // Made once and never replaced: a caller may use it after the lock is gone.
  common::Result<SwitchRunner*> runner() {
    std::lock_guard lock(mu_);
    if (!inner_) {
      PHOTON_TRY(auto bus, bus_->get());
      inner_ = makeUnitSwitchRunner(std::move(bus), log_dir_);
      if (abandoned_) inner_->abandon();
    }
    return inner_.get();
  }

  std::shared_ptr<SwitchBus> bus_;
  std::string log_dir_;
  std::mutex mu_;
  std::unique_ptr<SwitchRunner> inner_;
  bool abandoned_ = false;
};

}  // namespace

std::unique_ptr<SwitchRunner> makeReconnectingSwitchRunner(std::shared_ptr<SwitchBus> bus,
                                                           std::string log_dir) {
  return std::make_unique<ReconnectingSwitchRunner>(std::move(bus), std::move(log_dir));
}

}  // namespace photon::agent
