// The accelerator probe falls back to TCG whenever the device is not a usable KVM. (Whether a
// real /dev/kvm runs guests depends on the host; the QEMU tests pin TCG for that reason.)
#include <catch2/catch.hpp>

#include "agent/vms/qemu_args.h"

using photon::agent::probeAccelerator;

TEST_CASE("vms: the accelerator probe answers tcg without a usable KVM device", "[vms]") {
  CHECK(probeAccelerator("/nonexistent/kvm") == "tcg");
  CHECK(probeAccelerator("/dev/null") == "tcg");  // opens, but answers no KVM ioctl
  std::string real = probeAccelerator();
  CHECK((real == "kvm" || real == "tcg"));
}
