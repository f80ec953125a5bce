// What a guest's QEMU sends on its QMP socket (agent/vms/qmp_protocol.cpp): one JSON object a
// line, cut into lines as agent/vms/qmp_channel.cpp does, and the replies the VM reconciler
// reads (query-status, qom-list, DEVICE_DELETED).
#include "agent/vms/qmp_protocol.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    auto message = agent::parseQmpMessage(line);
    if (!message) continue;
    switch (message->kind) {
      case agent::QmpKind::kReturn:
        (void)agent::parseRunState(message->value);
        (void)agent::parsePeripherals(message->value);
        break;
      case agent::QmpKind::kEvent:
        (void)agent::deletedDeviceId(message->value);
        break;
      case agent::QmpKind::kError:
        fuzz::mustDump(common::Json{{"error", message->error_class + ": " + message->error_desc}});
        break;
      case agent::QmpKind::kGreeting:
        break;
    }
    fuzz::mustDump(common::Json{{"id", message->id}, {"event", message->event}});
  }
  return 0;
}
