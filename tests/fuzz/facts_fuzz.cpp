// What firmware and the kernel hand the agent as facts (agent/facts/sysfs_facts.cpp):
// /proc/cpuinfo, /proc/meminfo, and a sysfs tree of one disk and the DMI attributes, read by the
// real readers from a directory this target writes. The facts then go the way bootstrap sends
// them: sanitised (agent/facts/collector.cpp), dumped into a phone-home body, and parsed by the
// coordinator's handler.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "agent/facts/sysfs_facts.h"
#include "common/api/node.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

namespace {
const std::string& treeRoot() {
  static const std::string root = [] {
    char dir[] = "/tmp/photon-fuzz-facts-XXXXXX";
    if (!mkdtemp(dir)) abort();
    return std::string(dir);
  }();
  return root;
}

void writeAttribute(const std::string& rel, std::string_view value) {
  auto path = std::filesystem::path(treeRoot()) / rel;
  static std::set<std::string> made;  // directories once: the target runs thousands of times
  if (made.insert(path.parent_path().string()).second) {
    std::filesystem::create_directories(path.parent_path());
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(value.data(), value.size());
}

std::vector<std::string_view> splitOnNul(std::string_view text, size_t parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    auto nul = text.find('\0');
    if (nul == std::string_view::npos) break;
    out.push_back(text.substr(0, nul));
    text.remove_prefix(nul + 1);
  }
  out.push_back(text);
  out.resize(parts);
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  common::Facts facts;
  switch (fuzz::takeSelector(text) % 3) {
    case 0:
      facts.cpu = agent::parseCpuInfo(text);
      break;
    case 1:
      if (auto total = agent::parseMemTotal(text)) facts.memory_bytes = *total;
      break;
    case 2: {
      static const char* const kFiles[] = {"sys/block/sda/size",
                                           "sys/block/sda/queue/rotational",
                                           "sys/block/sda/device/model",
                                           "sys/block/sda/device/serial",
                                           "sys/class/dmi/id/sys_vendor",
                                           "sys/class/dmi/id/product_name",
                                           "sys/class/dmi/id/product_serial",
                                           "sys/class/dmi/id/product_uuid"};
      auto values = splitOnNul(text, std::size(kFiles));
      for (size_t i = 0; i < values.size(); ++i) writeAttribute(kFiles[i], values[i]);
      facts.disks = agent::readDisks(treeRoot());
      facts.dmi = agent::readDmi(treeRoot());
      break;
    }
  }
  common::sanitizeFacts(facts);
  common::PhoneHomeRequest request;
  request.machine_id = "0123456789abcdef0123456789abcdef";
  request.hostname = "node";
  request.facts = facts;
  auto body = common::parseJsonBody(common::dumpJson(common::toJson(request)));
  if (!body) abort();  // what the agent sends is JSON the coordinator reads
  (void)common::phoneHomeFromJson(*body);
  return 0;
}
