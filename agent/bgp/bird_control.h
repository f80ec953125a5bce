// The adapter to BIRD's control socket: one command in, one reply out.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/bgp/bird_reply.h"
#include "agent/core/unique_fd.h"
#include "common/result.h"

namespace photon::agent {

class BirdControl {
 public:
  virtual ~BirdControl() = default;
  // Sends one command line and returns BIRD's reply (an error reply is a value, not a failure;
  // a failure is the socket: closed, timed out, garbled).
  [[nodiscard]] virtual common::Result<BirdReply> command(const std::string& line) = 0;
};

// BIRD's own unix socket (bird -s PATH), our client. Every read has a timeout; `help` and
// `quit` are refused because BIRD never answers them on the raw socket.
class BirdSocket final : public BirdControl {
 public:
  [[nodiscard]] static common::Result<std::unique_ptr<BirdSocket>> connect(
      const std::string& path, std::chrono::milliseconds timeout);
  BirdSocket(const BirdSocket&) = delete;
  BirdSocket& operator=(const BirdSocket&) = delete;

  [[nodiscard]] common::Result<BirdReply> command(const std::string& line) override;

 private:
  BirdSocket(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}
  [[nodiscard]] common::Result<BirdReply> readReply();

  UniqueFd fd_;
  std::chrono::milliseconds timeout_;
  BirdReplyReader reader_;
};

}  // namespace photon::agent
