// A deliberately dumb HTTP/1.1 client over plain sockets, for tests that must send what a real
// client would not (a trickle of header bytes, an endless chunked body, 100,000 brackets) or hold
// thousands of connections from one thread. Loopback only.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

namespace photon::test {

// A connected TCP socket to 127.0.0.1:port (blocking); closed by the destructor.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  RawConnection(RawConnection&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

  int fd() const { return fd_; }
  // Sends everything; false once the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  // Whether the peer closed the connection within `timeout` (reads and drops what comes first).
  bool closedWithin(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

struct RawReply {
  int status = 0;                              // 0: no complete response (closed or timed out)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Reads one response (Content-Length bodies) within `timeout`.
RawReply readReply(RawConnection& connection,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Sends the parts `next` gives (an empty part: nothing more to send) while reading, until a
// whole response came, the connection closed, or `timeout`; `sent` counts the bytes sent. For
// bodies a server should refuse before it has read them.
RawReply sendWhileReading(RawConnection& connection, const std::function<std::string()>& next,
                          size_t& sent,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Parses one complete response out of `buffer` (consumed); nullopt-like status 0 when partial.
RawReply takeReply(std::string& buffer);

// The resident set size of this process, in bytes (VmRSS).
size_t residentBytes();
// The number of threads of this process.
int threadCount();
// Raises this process's open-file limit to its hard limit (thousands of sockets).
void raiseFileLimit();

}  // namespace photon::test
