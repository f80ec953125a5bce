// A QEMU-free VM world for the reconciler's own logic: a process runner whose "QEMU" is a
// record (alive until powered down, quit or killed) that makes its QMP socket path exist, and a
// QMP connector whose channel answers as a running QEMU does, counts every command and hands
// the events a QEMU wrote to whoever subscribed.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/vms/qmp_channel.h"
#include "agent/vms/vm_process.h"

namespace photon::test {

struct FakeQemus {
  struct Qemu {
    agent::VmLaunch launch;
    pid_t pid = 0;
    bool alive = false;
    // The guest powers itself off: QEMU writes SHUTDOWN to its socket and exits, at a moment
    // that loses the event to an agent reading the socket at the wrong time (a busy host):
    // after the agent's last read and before it asks whether the process lives, or before the
    // agent's next command, which then fails on the closed socket.
    enum class SelfExit { kNo, kWhenLookedAt, kAtNextCommand };
    SelfExit exits = SelfExit::kNo;
    std::vector<std::string> unread_events;  // written to the QMP socket, not read yet

    void exitNow() {
      alive = false;
      exits = SelfExit::kNo;
      unread_events.push_back("SHUTDOWN");
    }
  };
  std::map<std::string, Qemu> by_name;
  std::vector<std::string> commands;  // every QMP command, "<vm> <command>"
  pid_t next_pid = 4000;

  // The VM a socket belongs to: every VM's sockets are in a directory named after it.
  static std::string vmOf(const std::string& socket) {
    return std::filesystem::path(socket).parent_path().filename().string();
  }
};

class FakeVmRunner final : public agent::VmProcessRunner {
 public:
  explicit FakeVmRunner(std::shared_ptr<FakeQemus> qemus) : qemus_(std::move(qemus)) {}

  common::Result<pid_t> spawn(const agent::VmLaunch& launch) override {
    auto& q = qemus_->by_name[launch.name];
    q = {launch, ++qemus_->next_pid, true};
    for (size_t i = 0; i + 1 < launch.argv.size(); ++i) {
      if (launch.argv[i] != "-qmp") continue;
      std::string socket = launch.argv[i + 1].substr(5);  // "unix:PATH,server=on,wait=off"
      socket = socket.substr(0, socket.find(','));
      std::ofstream(socket) << "";
    }
    return q.pid;
  }
  agent::VmProcessStatus status(const std::string& name, pid_t) override {
    auto it = qemus_->by_name.find(name);
    if (it != qemus_->by_name.end() &&
        it->second.exits == FakeQemus::Qemu::SelfExit::kWhenLookedAt) {
      it->second.exitNow();
      return {};  // as for a unit's process: how it ended is not known here
    }
    if (it == qemus_->by_name.end() || !it->second.alive) return {};
    return {.pid = it->second.pid, .alive = true};
  }
  common::Status kill(pid_t pid, int) override {
    for (auto& [name, q] : qemus_->by_name) {
      if (q.pid == pid) q.alive = false;
    }
    return {};
  }
  common::Result<int> run(const std::vector<std::string>&, std::chrono::milliseconds) override {
    return 0;
  }
  std::vector<std::string> commandLine(pid_t pid) override {
    for (auto& [name, q] : qemus_->by_name) {
      if (q.pid == pid && q.alive) return q.launch.argv;
    }
    return {};
  }

 private:
  std::shared_ptr<FakeQemus> qemus_;
};

class FakeQmpChannel final : public agent::QmpChannel {
 public:
  FakeQmpChannel(std::shared_ptr<FakeQemus> qemus, std::string vm)
      : qemus_(std::move(qemus)), vm_(std::move(vm)) {}

  common::Result<common::Json> execute(const std::string& command, const common::Json&) override {
    auto& q = qemus_->by_name[vm_];
    if (q.exits == FakeQemus::Qemu::SelfExit::kAtNextCommand) q.exitNow();
    if (!q.alive) return common::fail(common::ErrorCode::kUnavailable, command + ": Broken pipe");
    qemus_->commands.push_back(vm_ + " " + command);
    if (command == "query-status") return common::Json{{"status", "running"}};
    if (command == "qom-list") return common::Json::array();
    if (command == "system_powerdown" || command == "quit") qemus_->by_name[vm_].alive = false;
    return common::Json::object();
  }
  // What the socket holds first, then the end of a QEMU that is gone.
  common::Status pollEvents(std::chrono::milliseconds) override {
    auto& q = qemus_->by_name[vm_];
    for (const auto& name : std::exchange(q.unread_events, {})) {
      const common::Json data = name == "SHUTDOWN"
                                    ? common::Json{{"guest", true}, {"reason", "guest-shutdown"}}
                                    : common::Json::object();
      for (auto& [handle, handler] : subscribers_) handler({name, data});
    }
    if (!q.alive) return common::fail(common::ErrorCode::kUnavailable, "QEMU is gone");
    return {};
  }
  int subscribe(std::function<void(const agent::QmpEvent&)> handler) override {
    subscribers_[++next_handle_] = std::move(handler);
    return next_handle_;
  }
  void unsubscribe(int handle) override { subscribers_.erase(handle); }

 private:
  std::shared_ptr<FakeQemus> qemus_;
  std::string vm_;
  std::map<int, std::function<void(const agent::QmpEvent&)>> subscribers_;
  int next_handle_ = 0;
};

class FakeQmpConnector final : public agent::QmpConnector {
 public:
  explicit FakeQmpConnector(std::shared_ptr<FakeQemus> qemus) : qemus_(std::move(qemus)) {}
  common::Result<std::unique_ptr<agent::QmpChannel>> connect(const std::string& socket) override {
    return std::make_unique<FakeQmpChannel>(qemus_, FakeQemus::vmOf(socket));
  }

 private:
  std::shared_ptr<FakeQemus> qemus_;
};

}  // namespace photon::test
