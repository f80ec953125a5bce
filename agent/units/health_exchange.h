// The network health checks as bounded exchanges with 127.0.0.1: one deadline covers the whole
// exchange (connect, request, status line and headers), and at most kMaxHealthResponseBytes
// are read, so that a service which trickles an endless response or sends megabytes of headers
// fails its own check at its timeout without holding the agent's thread or memory.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace photon::agent {

inline constexpr size_t kMaxHealthResponseBytes = 4096;

// Pure. The status code once `head` holds the status line and every header (up to the empty
// line); nothing while more bytes are needed; kInvalid when the bytes are not an HTTP/1.x
// response. A body is never read.
[[nodiscard]] common::Result<std::optional<int>> parseResponseHead(std::string_view head);

// Connected within `timeout`, or why not ("connect 127.0.0.1:8080: timed out").
[[nodiscard]] common::Status checkTcpWithin(int port, std::chrono::milliseconds timeout);

// GET `path` with `Connection: close`; passes on a 2xx or 3xx status received in full
// (status line and headers) within `timeout`.
[[nodiscard]] common::Status checkHttpWithin(int port, const std::string& path,
                                             std::chrono::milliseconds timeout);

}  // namespace photon::agent
