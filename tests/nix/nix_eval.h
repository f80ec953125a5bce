// Evaluates Nix expressions with Debian's nix-bin for the tests: the cluster library applied to
// a declaration, as the operator's `nix-instantiate --eval --strict --json` would.
#pragma once

#include <string>
#include <vector>

#include "tests/nix/run_program.h"

namespace photon::test {

inline const std::string kNixDir = std::string(PHOTON_SOURCE_DIR) + "/nix";

// No build users, no sandbox, no binary cache to wait for (see TESTBED.md). The dummy store:
// these tests evaluate and parse, they never build or add a path, and Debian's single-user Nix
// on the real store wants root (it sets up /nix/var/nix/profiles/per-user first), which the
// fast tier (ctest -L fast) does not have.
inline const std::map<std::string, std::string> kNixEnv = {
    {"NIX_CONFIG", "build-users-group =\nsandbox = false\nsubstituters ="},
    {"NIX_REMOTE", "dummy://"}};

inline ProgramResult nixEval(const std::string& expr, const std::string& scratch_dir,
                             const std::vector<std::string>& extra_args = {}) {
  std::vector<std::string> argv = {"nix-instantiate", "--eval", "--strict", "--json"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv.push_back("--expr");
  argv.push_back(expr);
  return runProgram(argv, scratch_dir, kNixEnv);
}

// `import cluster.nix (import EXAMPLE)` as an expression string.
inline std::string clusterOf(const std::string& declaration_expr) {
  return "import " + kNixDir + "/lib/cluster.nix (" + declaration_expr + ")";
}

inline std::string example(const std::string& name) {
  return "import " + kNixDir + "/examples/" + name + ".nix";
}

}  // namespace photon::test
