#include "agent/units/unit_render.h"

namespace photon::agent {
namespace {

constexpr std::string_view kMarker = " revision ";
constexpr std::string_view kLead = "photon instance ";

std::vector<std::string> environmentOf(const InstanceSpec& spec) {
  std::vector<std::string> env;
  env.reserve(spec.env.size());
  for (const auto& [k, v] : spec.env) env.push_back(k + "=" + v);
  return env;
}

// A container runs under systemd-nspawn in the unit's own cgroup (--keep-unit), so the unit's
// limits, restart policy and state are the container's. The overlay keeps the image untouched
// so that replicas and restarts start from the same tree.
std::vector<std::string> nspawnArgv(const InstanceSpec& spec, const RenderOptions& options) {
  std::vector<std::string> argv = {options.nspawn_path,
                                   "--quiet",
                                   "--keep-unit",
                                   "--register=no",
                                   "--directory=" + options.images_dir + "/" + spec.image,
                                   "--volatile=overlay",
                                   "--machine=photon-" + spec.name};
  if (spec.sandbox.private_network) argv.push_back("--private-network");
  if (spec.sandbox.no_new_privileges) argv.push_back("--no-new-privileges=yes");
  if (!spec.user.empty()) argv.push_back("--user=" + spec.user);
  for (const auto& [k, v] : spec.env) argv.push_back("--setenv=" + k + "=" + v);
  if (!spec.exec.empty()) {
    // nspawn's stub init as PID 1 makes a stop take ~0.2 s: the command itself as PID 1 ignores
    // SIGTERM and every stop would wait out the stop timeout. The stop is not graceful (the
    // payload is killed with its PID namespace); see docs/units.md.
    argv.push_back("--as-pid2");
    argv.push_back("--");
    argv.insert(argv.end(), spec.exec.begin(), spec.exec.end());
  }
  return argv;
}

}  // namespace

std::string unitDescription(const std::string& instance, const std::string& revision) {
  return std::string(kLead) + instance + std::string(kMarker) + revision;
}

std::optional<std::string> revisionFromDescription(const std::string& description) {
  if (!description.starts_with(kLead)) return std::nullopt;
  auto at = description.rfind(kMarker);
  if (at == std::string::npos || at < kLead.size()) return std::nullopt;
  auto revision = description.substr(at + kMarker.size());
  if (!isValidRevision(revision)) return std::nullopt;
  return revision;
}

TransientUnit renderUnit(const InstanceSpec& spec, const RenderOptions& options) {
  TransientUnit u;
  u.name = unitNameFor(spec.name);
  u.description = unitDescription(spec.name, spec.revision);
  u.restart = toString(spec.restart);
  // A run-once instance stays "active (exited)" after a clean exit, so that the agent sees it
  // has run and does not start it again.
  u.remain_after_exit = spec.restart == UnitRestart::kNo;
  if (spec.resources.memory_bytes > 0)
    u.memory_max = static_cast<uint64_t>(spec.resources.memory_bytes);
  if (spec.resources.cpu_millis > 0) {
    u.cpu_quota_per_sec_usec = static_cast<uint64_t>(spec.resources.cpu_millis) * 1000;
  }
  if (spec.kind == InstanceKind::kContainer) {
    u.exec_start = nspawnArgv(spec, options);
    u.delegate = true;  // nspawn creates its payload/supervisor sub-cgroups
    u.kill_mode = "mixed";
    return u;
  }
  u.exec_start = spec.exec;
  u.environment = environmentOf(spec);
  u.user = spec.user;
  u.no_new_privileges = spec.sandbox.no_new_privileges;
  u.protect_system = spec.sandbox.protect_system;
  u.protect_home = spec.sandbox.protect_home ? "yes" : "no";
  u.private_tmp = spec.sandbox.private_tmp;
  u.private_network = spec.sandbox.private_network;
  return u;
}

}  // namespace photon::agent
