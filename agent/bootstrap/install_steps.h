// The install steps bootstrap runs once the coordinator gives an install plan: argument vectors
// with placeholders filled from the plan. Parsing and substitution are pure.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/node.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

using Argv = std::vector<std::string>;

// The node's SSH host key in the state dir, made by bootstrap once the node is approved.
inline constexpr const char* kSshHostKeyFile = "ssh_host_ed25519_key";

// disko with the plan's layout from the ISO, the node's SSH host key copied into the target,
// then nixos-install of the plan's system profile.
std::vector<Argv> defaultInstallSteps();

// "disko --mode disko '/etc/my layout.nix'": words split on blanks; single or double quotes
// group words. No shell: no variables, globs or escapes.
[[nodiscard]] common::Result<Argv> splitStep(std::string_view text);

// A JSON config: {"steps": [["disko", "--mode", "disko", "{disk_layout}"], ...]}.
[[nodiscard]] common::Result<std::vector<Argv>> stepsFromJson(const common::Json& config);

// The values a step may name: {system_profile} {hostname} {address} {prefix_length} {gateway}
// {mac} {disk_layout} {node_id} {state_dir} {ssh_host_key} (the private key's path; its public
// key is beside it as .pub).
std::map<std::string, std::string> placeholderValues(const common::InstallPlan& plan,
                                                     const std::string& state_dir);

// Fills every {name}; an unknown name, or one whose value the plan left empty, is an error
// (running `nixos-install --system ""` would be worse).
[[nodiscard]] common::Result<Argv> substitute(const Argv& step,
                                              const std::map<std::string, std::string>& values);

std::string describeArgv(const Argv& argv);

}  // namespace photon::agent
