// ProcessRunner::runInCgroup against the real cgroup2 hierarchy: the child is in the given
// cgroup from its start (clone3 CLONE_INTO_CGROUP), also as another user, and at its deadline
// the whole group is killed, so the cgroup is left empty. Where clone3 is refused (systemd's
// RestrictNamespaces= makes it fail with ENOSYS), the child still execs only inside the cgroup.
// Needs root; the cgroup is the test's own (photon-test-runner-<pid>), removed at the end.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "agent/core/process_runner.h"
#include "agent/units/unit_cgroup.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using namespace std::chrono_literals;
using photon::test::fileContents;

namespace {

// A cgroup of the test's own, removed once empty (bounded wait for killed processes to go).
struct TestCgroup {
  std::string path = "/photon-test-runner-" + std::to_string(::getpid());
  std::string dir = cgroup2Mount() + path;
  TestCgroup() { std::filesystem::create_directory(dir); }
  ~TestCgroup() {
    for (int i = 0; i < 200 && !fileContents(dir + "/cgroup.procs").empty(); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    ::rmdir(dir.c_str());
  }
};

// As systemd's RestrictNamespaces= does for the agent's unit: clone3 fails with ENOSYS (its
// flags cannot be filtered), everything else is allowed. For this process and its children.
bool refuseClone3() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

}  // namespace

TEST_CASE("process runner: a program started in a cgroup runs in it from its start",
          "[agent][sandbox][integration]") {
  REQUIRE(::geteuid() == 0);
  REQUIRE_FALSE(cgroup2Mount().empty());
  TestCgroup cg;
  auto fd = openCgroup(cg.path);
  REQUIRE(fd);
  auto runner = makeProcessRunner();

  // The program's first look at itself: already there, never in the test's cgroup.
  auto in = runner->runInCgroup({"/bin/cat", "/proc/self/cgroup"}, 5s, {.cgroup_fd = fd->get()});
  REQUIRE(in);
  CHECK(in->ok());
  CHECK_THAT(in->output, Catch::Contains("0::" + cg.path + "\n"));

  RunAs nobody{.uid = 65534, .gid = 65534, .groups = {65534}};
  auto as = runner->runInCgroup({"/bin/sh", "-c", "id -u; cat /proc/self/cgroup"}, 5s,
                                {.cgroup_fd = fd->get(), .as = &nobody});
  REQUIRE(as);
  CHECK(as->ok());
  CHECK(as->output.starts_with("65534\n"));
  CHECK_THAT(as->output, Catch::Contains("0::" + cg.path + "\n"));

  // At the deadline the program and its children are killed: nothing is left in the cgroup.
  auto start = std::chrono::steady_clock::now();
  auto late = runner->runInCgroup({"/bin/sh", "-c", "sleep 30 & sleep 30"}, 300ms,
                                  {.cgroup_fd = fd->get()});
  REQUIRE(late);
  CHECK(late->timed_out);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  std::string left;
  for (int i = 0; i < 200; ++i) {
    left = fileContents(cg.dir + "/cgroup.procs");
    if (left.empty()) break;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(left.empty());

  // Without a cgroup nothing runs (never in the caller's cgroup instead).
  auto none = runner->runInCgroup({"/bin/true"}, 1s, {});
  REQUIRE_FALSE(none);
  CHECK_THAT(none.error().message, Catch::Contains("no cgroup"));
}

TEST_CASE("process runner: where clone3 is refused a program still runs only in its cgroup",
          "[agent][sandbox][integration]") {
  REQUIRE(::geteuid() == 0);
  TestCgroup cg;
  auto fd = openCgroup(cg.path);
  REQUIRE(fd);
  // The filter goes into a helper process of its own; it reports what its child saw on a pipe.
  int report[2];
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
  pid_t helper = ::fork();
  REQUIRE(helper >= 0);
  if (helper == 0) {
    std::string out = "no filter";
    if (refuseClone3()) {
      errno = 0;
      long refused = ::syscall(SYS_clone3, nullptr, 0);
      if (refused != -1 || errno != ENOSYS) {
        out = "clone3 not refused";
      } else {
        auto r = makeProcessRunner()->runInCgroup({"/bin/cat", "/proc/self/cgroup"}, 5s,
                                                  {.cgroup_fd = fd->get()});
        out = r ? r->output : "error: " + r.error().message;
      }
    }
    (void)!::write(report[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(report[1]);
  std::string seen;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(report[0], buf, sizeof buf)) > 0) seen.append(buf, static_cast<size_t>(n));
  ::close(report[0]);
  int status = 0;
  REQUIRE(::waitpid(helper, &status, 0) == helper);
  INFO(seen);
  CHECK_THAT(seen, Catch::Contains("0::" + cg.path + "\n"));
}
