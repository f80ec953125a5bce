// A guest's serial console kept on the host's disk with a bound: QEMU writes the console to a
// socket (-chardev socket,server=on,wait=off: with no reader it drops the bytes and never blocks
// the guest), and a pump thread of the agent appends what it reads to <dir>/console.log,
// rotated at a size: console.log, console.log.1, … — `files` files of at most `max_bytes`
// each. A guest that prints without end fills its share of the disk and no more.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "agent/core/unique_fd.h"
#include "common/result.h"

namespace photon::agent {

struct ConsoleLimits {
  int64_t max_bytes = 1 << 20;  // per file
  int files = 2;                // console.log and console.log.1
};

// Appends to `path`, rotating before a write would pass `max_bytes`: path.N-1 is dropped,
// path.K becomes path.K+1, path becomes path.1, and a fresh path is started. Not thread-safe.
class RotatingLog {
 public:
  RotatingLog(std::string path, ConsoleLimits limits);
  [[nodiscard]] common::Status append(std::string_view bytes);

 private:
  [[nodiscard]] common::Status open();
  [[nodiscard]] common::Status rotate();

  std::string path_;
  ConsoleLimits limits_;
  UniqueFd fd_;
  int64_t size_ = 0;
};

// Reads a VM's console socket until destroyed (or QEMU closes it) into a RotatingLog.
class ConsolePump {
 public:
  // Connects to `socket_path`; an error when QEMU is not listening there (a VM started before
  // its console went through a socket writes console.log itself).
  [[nodiscard]] static common::Result<std::unique_ptr<ConsolePump>> start(
      const std::string& socket_path, const std::string& log_path, ConsoleLimits limits);
  ~ConsolePump();
  ConsolePump(const ConsolePump&) = delete;
  ConsolePump& operator=(const ConsolePump&) = delete;

  bool running() const { return running_.load(); }
  // The last write error, empty when every write succeeded (e.g. the disk is full).
  std::string lastError() const;

 private:
  ConsolePump(UniqueFd socket, UniqueFd wake, const std::string& log_path, ConsoleLimits limits);
  void run();

  UniqueFd socket_;
  UniqueFd wake_;  // eventfd: the destructor's signal to stop
  RotatingLog log_;
  std::atomic<bool> running_{true};
  mutable std::atomic<bool> failed_{false};
  std::string error_;  // written by the pump thread before failed_ is set
  std::thread thread_;
};

}  // namespace photon::agent
