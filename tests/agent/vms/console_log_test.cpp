// The console pump against a real listening socket (QEMU's side of -chardev socket,server=on):
// whatever the guest prints, console.log and its rotations stay within their cap.
#include "agent/vms/console_log.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int listenUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  return fd;
}

}  // namespace

TEST_CASE("console log: rotation keeps the newest bytes within files x max_bytes",
          "[vms][sandbox]") {
  TempDir t;
  std::string path = t.file("console.log");
  RotatingLog log(path, {.max_bytes = 100, .files = 3});
  std::string all;
  for (int i = 0; i < 50; ++i) {
    std::string line = "line " + std::to_string(i) + "\n";
    all += line;
    REQUIRE(log.append(line));
  }
  CHECK(fs::file_size(path) <= 100);
  CHECK(fs::file_size(path + ".1") == 100);
  CHECK(fs::file_size(path + ".2") == 100);
  CHECK_FALSE(fs::exists(path + ".3"));
  // Read oldest to newest, the files are the end of what was written.
  std::string kept = slurp(path + ".2") + slurp(path + ".1") + slurp(path);
  CHECK(all.ends_with(kept));
  CHECK(kept.size() > 200);
}

TEST_CASE("console log: a guest printing without end stops growing the log at its cap",
          "[vms][sandbox]") {
  TempDir t;
  std::string socket = t.file("console.sock");
  std::string path = t.file("console.log");
  int listener = listenUnix(socket);
  ConsoleLimits limits{.max_bytes = 1 << 20, .files = 2};
  auto pump = ConsolePump::start(socket, path, limits);
  REQUIRE(pump);
  int guest = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(guest >= 0);

  // 5 MiB of console output, as fast as the socket takes it.
  std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 80; ++i) {
    chunk.replace(0, 12, "chunk " + std::to_string(100000 + i));
    REQUIRE(::send(guest, chunk.data(), chunk.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(chunk.size()));
  }
  std::string last = "the last line\n";
  REQUIRE(::send(guest, last.data(), last.size(), MSG_NOSIGNAL) > 0);
  // The pump catches up: the last line lands in console.log.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline && !slurp(path).ends_with(last)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(slurp(path).ends_with(last));
  CHECK(fs::file_size(path) <= static_cast<uintmax_t>(limits.max_bytes));
  CHECK(fs::file_size(path + ".1") == static_cast<uintmax_t>(limits.max_bytes));
  CHECK_FALSE(fs::exists(path + ".2"));
  CHECK(pump->get()->lastError().empty());

  // QEMU gone: the pump ends by itself.
  ::close(guest);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && pump->get()->running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_FALSE(pump->get()->running());
  ::close(listener);
}

TEST_CASE("console log: no socket (a QEMU from before the pump) is an error, not a crash",
          "[vms][sandbox]") {
  TempDir t;
  auto pump = ConsolePump::start(t.file("absent.sock"), t.file("console.log"), {});
  REQUIRE_FALSE(pump);
  CHECK(pump.error().message.find("absent.sock") != std::string::npos);
}
