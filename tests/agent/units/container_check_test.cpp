// The pieces of a container instance's exec health check that need no container: the argument
// vector that enters it, the container's user database parsed as hostile bytes, and the refusal
// to run a container's check on the node. Then, as root, the user lookup through a real chroot
// (a process whose / is not the host's), which must not follow links out of it.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/units/container_check.h"
#include "agent/units/container_user.h"
#include "agent/units/health_probe.h"
#include "agent/units/instance_spec.h"
#include "agent/units/unit_locator.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::common::ErrorCode;
using namespace std::chrono_literals;

TEST_CASE("container check: the check enters the container's namespaces with its capabilities",
          "[units][sandbox]") {
  ContainerCheck check{.setpriv = "/bin/setpriv",
                       .nsenter = "/bin/nsenter",
                       .fds = {.mnt = 11, .uts = 12, .ipc = 13, .net = 14, .pid = 15, .root = 16},
                       .bounding_caps = (1ULL << 0) | (1ULL << 21) | (1ULL << 40) | (1ULL << 63),
                       .as = {1234, 1235},
                       .exec = {"/bin/test", "-f", "/ready"}};
  CHECK(containerCheckArgv(check) ==
        std::vector<std::string>{
            "/bin/setpriv", "--no-new-privs",
            "--bounding-set=-all,+chown,+sys_admin,+checkpoint_restore", "--", "/bin/nsenter",
            "--mount=/proc/self/fd/11", "--uts=/proc/self/fd/12", "--ipc=/proc/self/fd/13",
            "--net=/proc/self/fd/14", "--pid=/proc/self/fd/15", "--root=/proc/self/fd/16",
            "--wd=/proc/self/fd/16", "--setuid=1234", "--setgid=1235", "--", "/bin/test", "-f",
            "/ready"});
  // A leader with no capabilities: none for the check either.
  check.bounding_caps = 0;
  CHECK(containerCheckArgv(check)[2] == "--bounding-set=-all");
  CHECK(capabilityNames(~0ULL).size() == 41);
}

TEST_CASE("container check: a user is found in the container's passwd and bad entries refused",
          "[units][sandbox]") {
  const std::string passwd =
      "root:x:0:0:root:/root:/bin/sh\n"
      "# a comment\n"
      "\n"
      "app:x:1234:1235::/home/app:/bin/sh\n"
      "app:x:1:1::/:/bin/sh\n"  // the first entry wins, as getpwnam's
      "short:x:12\n"
      "neg:x:-1:5::/:\n"
      "huge:x:4294967295:5::/:\n"
      "text:x:12a:5::/:\n";
  auto app = findPasswdEntry(passwd, "app");
  REQUIRE(app);
  CHECK(app->uid == 1234u);
  CHECK(app->gid == 1235u);
  CHECK(findPasswdEntry(passwd, "root")->uid == 0u);
  CHECK(findPasswdEntry(passwd, "nobody").error().code == ErrorCode::kNotFound);
  CHECK(findPasswdEntry(passwd, "").error().code == ErrorCode::kNotFound);
  for (const char* bad : {"short", "neg", "huge", "text"}) {
    INFO(bad);
    CHECK(findPasswdEntry(passwd, bad).error().code == ErrorCode::kInvalid);
  }
  // No newline at the end, NUL bytes and a name that is a prefix of another.
  CHECK(findPasswdEntry(std::string("ap:x:1:1\0:\napp:x:7:8", 20), "app")->uid == 7u);
}

TEST_CASE("container check: the status of a namespace's PID 1 is read", "[units][sandbox]") {
  auto s = parseProcStatus(
      "Name:\tsystemd\nNSpid:\t5120\t311\t1\nCapEff:\t0000000000000100\n"
      "CapBnd:\t00000000a80425fb\nCapAmb:\t0\n");
  CHECK(s.ns_depth == 3);
  CHECK(s.ns_pid == 1);
  CHECK(s.bounding_caps == 0xa80425fbULL);
  CHECK(s.effective_caps == 0x100u);
  auto host = parseProcStatus("NSpid:\t77\n");
  CHECK(host.ns_depth == 1);
  CHECK(host.bounding_caps == 0u);
}

TEST_CASE("container check: a container instance's check never runs on the node",
          "[units][sandbox]") {
  auto j = photon::common::Json::parse(R"({"name": "box", "kind": "container", "image": "tiny",
      "user": "app", "health": {"exec": ["/bin/check"]}})");
  auto spec = parseInstance(j, "units[0]");
  REQUIRE(spec);
  CHECK(spec->health.unit == "photon-box.service");
  CHECK(spec->health.container);
  CHECK(spec->health.user == "app");

  // A probe that cannot reach containers fails the check rather than run it here.
  photon::test::TempDir dir;
  auto marker = dir.file("ran");
  HealthCheckSpec h;
  h.kind = HealthKind::kExec;
  h.unit = "photon-box.service";
  h.container = true;
  h.exec = {"/bin/sh", "-c", "touch " + marker};
  auto r = makeSystemHealthProbe(makeProcessRunner())->check(h);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("in photon-box.service"));
  CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE(
    "container check: the user is read inside the container's root, never through a link "
    "out of it",
    "[units][sandbox][integration]") {
  REQUIRE(::geteuid() == 0);
  photon::test::TempDir root;
  std::filesystem::create_directories(root.path() + "/bin");
  std::filesystem::create_directories(root.path() + "/etc");
  std::filesystem::copy_file("/bin/busybox", root.path() + "/bin/busybox");
  // An absolute link: inside the container it names the container's /users; followed on the
  // host it would name the host's /users (not there), or any host file.
  root.write("users", "app:x:1234:1235::/:/bin/sh\n");
  std::filesystem::create_symlink("/users", root.path() + "/etc/passwd");
  REQUIRE_FALSE(std::filesystem::exists("/users"));
  photon::test::ChildProcess chrooted(
      {"/usr/sbin/chroot", root.path(), "/bin/busybox", "sleep", "60"});
  // Bounded wait until the child is inside its chroot (its / is the temp dir).
  auto proc_root = "/proc/" + std::to_string(chrooted.pid()) + "/root";
  for (int i = 0; i < 200; ++i) {
    std::error_code ec;
    if (std::filesystem::read_symlink(proc_root, ec) == root.path()) break;
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(std::filesystem::read_symlink(proc_root) == root.path());

  auto app = containerUser(chrooted.pid(), "app");
  REQUIRE(app);
  CHECK(app->uid == 1234u);
  CHECK(app->gid == 1235u);

  // A link to a host file through /proc (a magic link) is not followed.
  std::filesystem::remove(root.path() + "/etc/passwd");
  std::filesystem::create_symlink("/proc/1/root/etc/passwd", root.path() + "/etc/passwd");
  CHECK_FALSE(containerUser(chrooted.pid(), "root"));
  // A FIFO does not hang the lookup; a file past the bound is refused.
  std::filesystem::remove(root.path() + "/etc/passwd");
  REQUIRE(::mkfifo((root.path() + "/etc/passwd").c_str(), 0644) == 0);
  auto fifo = containerUser(chrooted.pid(), "app");
  REQUIRE_FALSE(fifo);
  CHECK_THAT(fifo.error().message, Catch::Contains("not a regular file"));
  std::filesystem::remove(root.path() + "/etc/passwd");
  root.write("etc/passwd", std::string(kMaxContainerPasswdBytes + 1, '#'));
  auto big = containerUser(chrooted.pid(), "app");
  REQUIRE_FALSE(big);
  CHECK_THAT(big.error().message, Catch::Contains("larger than"));
}
