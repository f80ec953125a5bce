// A container image for the units domain's tests: busybox (static) in a minimal tree with what
// nspawn checks for an OS tree (/usr, /etc/os-release), packed into a tarball and unpacked under
// the test container's /var/lib/machines/<name>, as an operator places an image (no registry).
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/nspawn_container.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

// `applets` become /bin/<applet> links to busybox; `files` maps an absolute path in the image to
// its content.
inline void installBusyboxImage(const NspawnContainer& c, const TempDir& tmp,
                                const std::string& name, const std::vector<std::string>& applets,
                                const std::map<std::string, std::string>& files = {}) {
  using namespace std::chrono_literals;
  auto tree = tmp.path() + "/" + name + "-tree";
  for (const char* dir : {"/bin", "/usr", "/etc"}) std::filesystem::create_directories(tree + dir);
  std::ofstream(tree + "/etc/os-release") << "ID=photon-test\n";
  for (const auto& [path, content] : files) std::ofstream(tree + path) << content;
  std::filesystem::copy_file("/bin/busybox", tree + "/bin/busybox");
  for (const auto& applet : applets)
    std::filesystem::create_symlink("busybox", tree + "/bin/" + applet);
  auto image = c.root() + "/var/lib/machines/" + name;
  std::filesystem::create_directories(image);
  auto tarball = tmp.path() + "/" + name + ".tar";
  REQUIRE(ChildProcess({"/usr/bin/tar", "-C", tree, "-cf", tarball, "."}).wait(30s) == 0);
  REQUIRE(ChildProcess({"/usr/bin/tar", "-C", image, "-xf", tarball}).wait(30s) == 0);
}

}  // namespace photon::test
