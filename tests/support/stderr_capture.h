// What a piece of code writes to stderr (the daemons' log, common/log.h), for tests that check
// a message is logged, and how often.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace photon::test {

// Runs `body` with stderr sent to a temp file and returns the first 64 KiB written.
template <typename F>
std::string stderrOf(F body) {
  char path[] = "/tmp/photon-test-stderr-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) return "<mkstemp failed>";
  ::unlink(path);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  body();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::string out(64 * 1024, '\0');
  ssize_t n = ::pread(fd, out.data(), out.size(), 0);
  ::close(fd);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

}  // namespace photon::test
