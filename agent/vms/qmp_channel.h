// The QMP adapter: one connection to one QEMU's QMP socket. Commands carry ids and wait for the
// reply with that id, within a timeout; events read meanwhile go to the subscribers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

struct QmpEvent {
  std::string name;
  common::Json data;
};

class QmpChannel {
 public:
  virtual ~QmpChannel() = default;
  // Runs a command and returns its "return"; a QMP error, a timeout or a closed socket is an
  // error naming the command.
  [[nodiscard]] virtual common::Result<common::Json> execute(
      const std::string& command, const common::Json& args = nullptr) = 0;
  // Reads what arrives within `wait` and hands its events to the subscribers; an error when the
  // socket is closed (QEMU is gone).
  [[nodiscard]] virtual common::Status pollEvents(std::chrono::milliseconds wait) = 0;
  // Returns a handle for unsubscribe().
  virtual int subscribe(std::function<void(const QmpEvent&)> handler) = 0;
  virtual void unsubscribe(int handle) = 0;
};

class QmpConnector {
 public:
  virtual ~QmpConnector() = default;
  // Connects, reads the greeting and negotiates capabilities.
  [[nodiscard]] virtual common::Result<std::unique_ptr<QmpChannel>> connect(
      const std::string& socket_path) = 0;
};

// Unix-socket QMP; every wait is bounded by `timeout`.
std::unique_ptr<QmpConnector> makeUnixQmpConnector(std::chrono::milliseconds timeout);

// Polls `channel` until an event satisfying `match` arrives or `timeout` passes.
[[nodiscard]] common::Result<QmpEvent> waitForEvent(
    QmpChannel& channel, const std::function<bool(const QmpEvent&)>& match,
    std::chrono::milliseconds timeout);

}  // namespace photon::agent
