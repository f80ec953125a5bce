// A container's /etc/passwd (agent/units/container_user.cpp): the container writes it, the agent
// reads it to run the container's exec health check as its user. The input's first line is
// the user asked for, the rest the file.
#include "agent/units/container_user.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  auto end = text.find('\n');
  if (end == std::string_view::npos) return 0;
  auto user = text.substr(0, end);
  auto passwd = text.substr(end + 1);
  auto found = agent::findPasswdEntry(passwd, user);
  // A uid of -1 would mean "unchanged" to setresuid: the parser must never answer it.
  if (found && (found->uid == UINT32_MAX || found->gid == UINT32_MAX)) __builtin_trap();
  return 0;
}
