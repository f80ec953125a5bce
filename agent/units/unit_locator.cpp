#include "agent/units/unit_locator.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include "agent/units/unit_cgroup.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

// A /proc file is small; bounded all the same.
std::string readProc(const std::string& path) {
  std::ifstream in(path);
  std::string text(16 * 1024, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto start = text.find_first_not_of(" \t\n");
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    auto end = text.find_first_of(" \t\n");
    out.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  return out;
}

uint64_t hexMask(std::string_view text) {
  uint64_t mask = 0;
  auto w = words(text);
  if (!w.empty()) std::from_chars(w[0].data(), w[0].data() + w[0].size(), mask, 16);
  return mask;
}

class BusLocator final : public UnitLocator {
 public:
  BusLocator(std::unique_ptr<SystemdBus> bus, ManagerView view)
      : bus_(std::move(bus)), view_(std::move(view)) {}

  common::Result<UnitProcess> mainProcessOf(const std::string& unit) override {
    PHOTON_TRY(auto main, mainOf(unit));
    auto cgroup = processCgroupWithin(main.pid, main.cgroup);
    if (!cgroup) return std::unexpected(cgroup.error().context(unit + ": main"));
    return UnitProcess{main.pid, *cgroup};
  }

  common::Result<UnitProcess> leaderOf(const std::string& unit) override {
    PHOTON_TRY(auto nspawn, mainOf(unit));
    auto leader = containerLeaderOf(nspawn.pid);
    if (!leader) return std::unexpected(leader.error().context(unit));
    auto cgroup = processCgroupWithin(*leader, nspawn.cgroup);
    if (!cgroup) return std::unexpected(cgroup.error().context(unit + ": container leader"));
    return UnitProcess{*leader, *cgroup};
  }

 private:
  // The unit's MainPID in our PID namespace, with the unit's own cgroup in our view (not yet the
  // main process's).
  common::Result<UnitProcess> mainOf(const std::string& unit) {
    UnitState state;
    {
      std::lock_guard lock(mu_);
      PHOTON_TRY(state, bus_->unitState(unit));
    }
    if (state.main_pid == 0) return fail(ErrorCode::kUnavailable, unit + " has no main process");
    if (state.control_group.empty()) return fail(ErrorCode::kUnavailable, unit + " has no cgroup");
    pid_t pid = static_cast<pid_t>(state.main_pid);
    if (view_.local_pid) pid = view_.local_pid(pid);
    if (pid <= 0) return fail(ErrorCode::kUnavailable, unit + ": main process not found");
    return UnitProcess{pid, cgroupUnder(view_.cgroup_root, state.control_group)};
  }

  std::mutex mu_;
  std::unique_ptr<SystemdBus> bus_;
  ManagerView view_;
};

}  // namespace

ProcStatus parseProcStatus(std::string_view status) {
  ProcStatus out;
  while (!status.empty()) {
    auto end = status.find('\n');
    auto line = status.substr(0, end);
    status.remove_prefix(end == std::string_view::npos ? status.size() : end + 1);
    if (line.starts_with("NSpid:")) {
      auto pids = words(line.substr(6));
      out.ns_depth = static_cast<int>(pids.size());
      if (!pids.empty()) {
        auto last = pids.back();
        std::from_chars(last.data(), last.data() + last.size(), out.ns_pid);
      }
    } else if (line.starts_with("CapBnd:")) {
      out.bounding_caps = hexMask(line.substr(7));
    } else if (line.starts_with("CapEff:")) {
      out.effective_caps = hexMask(line.substr(7));
    }
  }
  return out;
}

common::Result<pid_t> containerLeaderOf(pid_t nspawn_pid) {
  auto self = std::to_string(nspawn_pid);
  auto children = readProc("/proc/" + self + "/task/" + self + "/children");
  for (auto word : words(children)) {
    pid_t child = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), child);
    if (ec != std::errc() || child <= 0) continue;
    auto status = parseProcStatus(readProc("/proc/" + std::to_string(child) + "/status"));
    // PID 1 of a namespace nested in ours: the container's init (nspawn's stub init with
    // --as-pid2), not a helper nspawn forked in its own namespace.
    if (status.ns_depth >= 2 && status.ns_pid == 1) return child;
  }
  return fail(ErrorCode::kUnavailable,
              "systemd-nspawn (pid " + self + ") runs no container (starting or stopping)");
}

std::unique_ptr<UnitLocator> makeBusUnitLocator(std::unique_ptr<SystemdBus> bus, ManagerView view) {
  return std::make_unique<BusLocator>(std::move(bus), std::move(view));
}

}  // namespace photon::agent
