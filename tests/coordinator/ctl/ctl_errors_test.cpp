// photonctl's messages when things go wrong: the real binary against a real coordinator, or
// against none.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using test::ChildProcess;
using test::CoordinatorFixture;

namespace {
struct Run {
  int code;
  std::string output;
};

Run photonctl(test::TempDir& dir, const std::string& url, std::vector<std::string> args) {
  std::string token = dir.write("admin.token", std::string(test::kAdminToken) + "\n");
  std::vector<std::string> argv = {PHOTON_BUILD_DIR "/coordinator/photonctl", "--coordinator", url,
                                   "--token-file", token};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string log = dir.file("photonctl.log");
  std::remove(log.c_str());
  ChildProcess p(argv, log);
  int code = p.wait(std::chrono::seconds(20));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {code, text.str()};
}
}  // namespace

TEST_CASE("photonctl: a coordinator that is not running is named, with what to check",
          "[inventory][integration]") {
  test::TempDir dir;
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto run = photonctl(dir, "http://127.0.0.1:1", {"nodes"});
  INFO(run.output);
  CHECK(run.code == 1);
  CHECK(run.output.find("photonctl nodes: cannot reach the coordinator at http://127.0.0.1:1: "
                        "the connection was refused") != std::string::npos);
  CHECK(run.output.find("--coordinator or PHOTON_COORDINATOR") != std::string::npos);
}

TEST_CASE("photonctl: https to a plain-HTTP coordinator says the TLS handshake failed",
          "[inventory][integration]") {
  CoordinatorFixture c;
  test::TempDir dir;
  std::string https = "https://" + c.url().substr(std::string("http://").size());
  auto run = photonctl(dir, https, {"nodes"});
  INFO(run.output);
  CHECK(run.code == 1);
  CHECK(run.output.find("cannot reach the coordinator at " + https +
                        ": the TLS handshake failed") != std::string::npos);
}

TEST_CASE("photonctl: a refused declaration is one sentence that names the field",
          "[declaration][integration]") {
  CoordinatorFixture c;
  test::TempDir dir;
  auto cluster = CoordinatorFixture::sampleCluster();
  cluster.erase("name");
  auto file = dir.write("cluster.json", cluster.dump());
  auto run = photonctl(dir, c.url(), {"cluster", "apply", file});
  INFO(run.output);
  CHECK(run.code == 1);
  CHECK(run.output ==
        "photonctl cluster apply: the coordinator refused the declaration: field 'name' is "
        "required\n");
}
