#include "tests/support/coordinator_process.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "tests/support/coordinator_fixture.h"

namespace photon::test {

CoordinatorProcess::CoordinatorProcess(const TempDir& dir, const std::string& name,
                                       const std::vector<std::string>& store_args) {
  if (!std::filesystem::exists(dir.file("admin"))) dir.write("admin", kAdminToken);
  if (!std::filesystem::exists(dir.file("boot"))) dir.write("boot", kBootstrapToken);
  std::string port_file = dir.file(name + ".port");
  std::remove(port_file.c_str());
  log_ = dir.file(name + ".log");
  // A bench compares two builds in one run by naming the other one's binary.
  const char* other = std::getenv("PHOTON_BENCH_COORDINATOR");
  std::vector<std::string> argv = {
      other && *other ? std::string(other)
                      : std::string(PHOTON_BUILD_DIR "/coordinator/photon-coordinator"),
      "--listen",
      "127.0.0.1:0",
      "--admin-token-file",
      dir.file("admin"),
      "--bootstrap-token-file",
      dir.file("boot"),
      "--port-file",
      port_file,
      "--coordinator-id",
      name};
  argv.insert(argv.end(), store_args.begin(), store_args.end());
  child_ = std::make_unique<ChildProcess>(argv, log_);
  port_ = waitForPortFile(port_file, std::chrono::seconds(10));
}

}  // namespace photon::test
