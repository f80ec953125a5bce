#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "common/api/facts.h"
#include "common/log.h"
#include "common/text.h"

using namespace photon::common;

TEST_CASE("text: bytes that are not UTF-8 are replaced, valid text is kept", "[trust]") {
  CHECK(validUtf8("plain ascii") == "plain ascii");
  CHECK(validUtf8("Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
  const std::string r = "\xEF\xBF\xBD";
  CHECK(validUtf8("\xff\xff") == r + r);
  CHECK(validUtf8("a\xc3") == "a" + r);                   // cut short
  CHECK(validUtf8("\xc0\xaf") == r + r);                  // overlong '/'
  CHECK(validUtf8("\xed\xa0\x80") == r + r + r);          // a surrogate
  CHECK(validUtf8("\xf4\x90\x80\x80") == r + r + r + r);  // above U+10FFFF
  CHECK(isValidUtf8("\xe2\x82\xac"));
  CHECK_FALSE(isValidUtf8("\xe2\x82"));
}

TEST_CASE("text: control characters are written out, once", "[trust]") {
  CHECK(escapeControls("a\nb\r\tc") == "a\\nb\\r\\tc");
  CHECK(escapeControls("\x1b[2J\x07\x7f") == "\\x1b[2J\\x07\\x7f");
  CHECK(escapeControls("csi \xc2\x9b"
                       "31m") == "csi \\x9b31m");
  CHECK(escapeControls("caf\xc3\xa9 \xc2\xa0ok") == "caf\xc3\xa9 \xc2\xa0ok");  // é and NBSP kept
  CHECK(escapeControls("C:\\path") == "C:\\path");
  std::string once = escapeControls("x\ny\x1b");
  CHECK(escapeControls(once) == once);
}

TEST_CASE("text: facts from firmware are made valid UTF-8 and can be dumped", "[trust]") {
  Facts f;
  f.dmi.serial = "\xff\xff\xff\xff";
  f.dmi.vendor = "ACME\xfe";
  f.disks.push_back({"sda", 1, false, "Disk\x80", "S\xff", ""});
  sanitizeFacts(f);
  CHECK(f.dmi.serial == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK_NOTHROW(toJson(f).dump());
  CHECK(toJson(f)["disks"][0]["model"] == "Disk\xEF\xBF\xBD");
}

TEST_CASE("log: a message with a newline and a priority stays one line of its own level",
          "[trust]") {
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  int saved = ::dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  ::dup2(pipe_fds[1], STDERR_FILENO);
  logWarning("serial SER-1\n<0>kernel panic forged\x1b[31m");
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(pipe_fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
  ::close(pipe_fds[0]);
  CHECK(out == "<4>serial SER-1\\n<0>kernel panic forged\\x1b[31m\n");
}
