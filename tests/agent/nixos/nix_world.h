// A private Nix world for one test: fake system toplevels built by real derivations in the
// machine's store, signed and copied to a file:// binary cache in a temp dir, and for the agent
// an independent store (--store), a profile, a /run root and a state dir, all in that temp dir.
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agent/core/process_runner.h"
#include "agent/nixos/nixos_reconciler.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

inline std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class NixWorld {
 public:
  static constexpr const char* kNames[] = {"good", "good2", "fail", "hang", "slow", "unsigned"};

  NixWorld() {
    ::setenv("NIX_CONFIG", "build-users-group =\nsandbox = false\nsubstituters =", 1);
    for (auto sub : {"store", "root/run", "profiles", "state", "cache"}) {
      std::filesystem::create_directories(dir_.file(sub));
    }
    std::vector<std::string> build = {
        "nix-build",
        "--no-out-link",
        std::string(PHOTON_SOURCE_DIR) + "/tests/agent/nixos/fixtures/toplevels.nix",
        "--argstr",
        "dir",
        dir_.path()};
    for (auto name : kNames) build.insert(build.end(), {"-A", name});
    auto out = must(build);
    std::istringstream lines(out);
    std::string line;
    std::vector<std::string> built;
    while (std::getline(lines, line)) {
      if (line.starts_with("/nix/store/") && !line.ends_with(".drv")) built.push_back(line);
    }
    if (built.size() != std::size(kNames)) throw std::runtime_error("nix-build: " + out);
    for (size_t i = 0; i < built.size(); ++i) paths_[kNames[i]] = built[i];

    must({"nix-store", "--generate-binary-cache-key", "photon-test-" + std::to_string(getpid()),
          dir_.file("cache.sk"), dir_.file("cache.pk")});
    public_key_ = readText(dir_.file("cache.pk"));
    while (!public_key_.empty() && std::isspace(static_cast<unsigned char>(public_key_.back()))) {
      public_key_.pop_back();
    }
    std::vector<std::string> signed_paths;
    for (auto name : kNames) {
      if (std::string(name) != "unsigned") signed_paths.push_back(paths_[name]);
    }
    std::vector<std::string> sign = {"nix",
                                     "--extra-experimental-features",
                                     "nix-command",
                                     "store",
                                     "sign",
                                     "--key-file",
                                     dir_.file("cache.sk")};
    sign.insert(sign.end(), signed_paths.begin(), signed_paths.end());
    must(sign);
    std::vector<std::string> copy = {"nix",  "--extra-experimental-features", "nix-command", "copy",
                                     "--to", "file://" + dir_.file("cache")};
    for (auto name : kNames) copy.push_back(paths_[name]);
    must(copy);
  }

  agent::NixosOptions options() const {
    agent::NixosOptions o;
    o.profile = dir_.file("profiles/system");
    o.store = dir_.file("store");
    o.root = dir_.file("root");
    o.rollback_timeout = std::chrono::seconds(20);
    o.health_interval = std::chrono::milliseconds(100);
    o.health_check_timeout = std::chrono::seconds(2);
    o.switch_bus = agent::kSwitchInProcess;  // the host has no systemd
    return o;
  }
  std::string stateDir() const { return dir_.file("state"); }
  // The directory everything above lives in (bind-mounted into a container at the same path).
  const std::string& dir() const { return dir_.path(); }
  const std::string& path(const std::string& name) { return paths_.at(name); }
  std::string file(const std::string& name) const { return dir_.file(name); }

  // The desired section for toplevel `name`, signed cache, switch mode.
  common::Json desired(const std::string& name, int confirm_within_s = 10) {
    return {{"system", path(name)},
            {"substituters", {"file://" + dir_.file("cache")}},
            {"trusted_public_keys", {public_key_}},
            {"confirm_within_s", confirm_within_s}};
  }

  // Lines "<toplevel> <mode>" in the order switch-to-configuration was called.
  std::vector<std::string> calls() const {
    std::vector<std::string> out;
    std::istringstream in(readText(dir_.file("calls")));
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
  }

  // The system the profile's current generation points at.
  std::string profileSystem() const {
    std::error_code ec;
    auto link = std::filesystem::read_symlink(dir_.file("profiles/system"), ec);
    if (ec) return {};
    auto target = std::filesystem::read_symlink(dir_.file("profiles") + "/" + link.string(), ec);
    return ec ? std::string() : target.string();
  }
  std::string currentSystem() const {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(dir_.file("root/run/current-system"), ec);
    return ec ? std::string() : target.string();
  }

  std::string must(const std::vector<std::string>& argv) {
    auto r = runner_->run(argv, std::chrono::seconds(60));
    if (!r || !r->ok()) {
      throw std::runtime_error(argv[0] + " failed: " + (r ? r->output : r.error().message));
    }
    return r->output;
  }

 private:
  TempDir dir_;
  std::unique_ptr<agent::ProcessRunner> runner_ = agent::makeProcessRunner();
  std::map<std::string, std::string> paths_;
  std::string public_key_;
};

// Calls reconcile() as the agent's loop would until the outcome is no longer "activating".
inline common::Json reconcileUntilSettled(agent::Reconciler& reconciler,
                                          const common::Json& section,
                                          std::chrono::seconds timeout = std::chrono::seconds(60)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  common::Json out;
  while (std::chrono::steady_clock::now() < deadline) {
    out = reconciler.reconcile(section);
    if (out.value("outcome", "") != "activating") return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return out;
}

}  // namespace photon::test
