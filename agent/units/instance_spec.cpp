#include "agent/units/instance_spec.h"

#include <algorithm>

#include "common/json_dump.h"
#include "common/validate.h"

namespace photon::agent {
namespace {

using common::invalid;
using common::joinPath;
using common::Json;
using common::Result;
using common::Status;

constexpr std::string_view kPrefix = "photon-";
constexpr std::string_view kSuffix = ".service";
constexpr int64_t kMaxCpuMillis = 1'024'000;      // 1024 cores
constexpr int64_t kMinMemory = 1 << 20;           // below 1 MiB nothing starts
constexpr int64_t kMaxMemory = int64_t{1} << 42;  // 4 TiB

bool hasControlChar(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

Status checkArgv(const std::vector<std::string>& argv, const std::string& field) {
  if (argv.front().empty() || argv.front()[0] != '/') {
    return invalid(field + "[0]", "must be an absolute path, got \"" + argv.front() + "\"");
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i].find('\0') != std::string::npos) {
      return invalid(field + "[" + std::to_string(i) + "]", "must not contain NUL");
    }
  }
  return {};
}

Result<Sandbox> parseSandbox(const Json& j, const std::string& path) {
  Sandbox s;
  PHOTON_TRY(s.no_new_privileges, common::readBool(j, "no_new_privileges", path, true));
  PHOTON_TRY(s.protect_system, common::readString(j, "protect_system", path, "full"));
  if (s.protect_system != "no" && s.protect_system != "yes" && s.protect_system != "full" &&
      s.protect_system != "strict") {
    return invalid(joinPath(path, "protect_system"), "must be no, yes, full or strict");
  }
  PHOTON_TRY(s.protect_home, common::readBool(j, "protect_home", path, true));
  PHOTON_TRY(s.private_tmp, common::readBool(j, "private_tmp", path, true));
  PHOTON_TRY(s.private_network, common::readBool(j, "private_network", path, false));
  return s;
}

Result<HealthCheckSpec> parseHealth(const Json& j, const std::string& path) {
  HealthCheckSpec h;
  int kinds = 0;
  if (j.contains("http") && !j["http"].is_null()) {
    ++kinds;
    h.kind = HealthKind::kHttp;
    PHOTON_TRY(auto http, common::readObject(j, "http", path));
    auto p = joinPath(path, "http");
    PHOTON_TRY(auto port, common::readInt(http, "port", p, 1, 65535));
    h.port = static_cast<int>(port);
    PHOTON_TRY(h.path, common::readString(http, "path", p, "/"));
    if (h.path.empty() || h.path[0] != '/' || hasControlChar(h.path) ||
        h.path.find(' ') != std::string::npos) {
      return invalid(joinPath(p, "path"), "must be an absolute URL path without spaces");
    }
  }
  if (j.contains("tcp") && !j["tcp"].is_null()) {
    ++kinds;
    h.kind = HealthKind::kTcp;
    PHOTON_TRY(auto tcp, common::readObject(j, "tcp", path));
    PHOTON_TRY(auto port, common::readInt(tcp, "port", joinPath(path, "tcp"), 1, 65535));
    h.port = static_cast<int>(port);
  }
  if (j.contains("exec") && !j["exec"].is_null()) {
    ++kinds;
    h.kind = HealthKind::kExec;
    PHOTON_TRY(h.exec, common::readStringList(j, "exec", path));
    if (h.exec.empty()) return invalid(joinPath(path, "exec"), "must not be empty");
    PHOTON_CHECK(checkArgv(h.exec, joinPath(path, "exec")));
  }
  if (kinds != 1) return invalid(path, "needs exactly one of http, tcp, exec");
  PHOTON_TRY(auto interval, common::readInt(j, "interval_s", path, 1, 3600, 10));
  PHOTON_TRY(auto timeout, common::readInt(j, "timeout_ms", path, 10, 60'000, 1000));
  PHOTON_TRY(auto rise, common::readInt(j, "rise", path, 1, 100, 2));
  PHOTON_TRY(auto fall, common::readInt(j, "fall", path, 1, 100, 3));
  h.interval_s = static_cast<int>(interval);
  h.timeout_ms = static_cast<int>(timeout);
  h.rise = static_cast<int>(rise);
  h.fall = static_cast<int>(fall);
  return h;
}

}  // namespace

std::string unitNameFor(const std::string& instance) {
  return std::string(kPrefix) + instance + std::string(kSuffix);
}

std::string instanceNameOf(const std::string& unit) {
  if (unit.size() <= kPrefix.size() + kSuffix.size() || !unit.starts_with(kPrefix) ||
      !unit.ends_with(kSuffix)) {
    return {};
  }
  return unit.substr(kPrefix.size(), unit.size() - kPrefix.size() - kSuffix.size());
}

std::string toString(UnitRestart policy) {
  switch (policy) {
    case UnitRestart::kAlways:
      return "always";
    case UnitRestart::kOnFailure:
      return "on-failure";
    case UnitRestart::kNo:
      return "no";
  }
  return "no";
}

std::string toString(HealthKind kind) {
  switch (kind) {
    case HealthKind::kNone:
      return "none";
    case HealthKind::kHttp:
      return "http";
    case HealthKind::kTcp:
      return "tcp";
    case HealthKind::kExec:
      return "exec";
  }
  return "none";
}

bool isIdentifier(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool isValidUser(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  if (!(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '_' || c == '-';
  });
}

bool isValidRevision(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

Result<InstanceSpec> parseInstance(const Json& j, const std::string& path) {
  PHOTON_CHECK(common::requireObject(j, path));
  InstanceSpec s;
  PHOTON_TRY(s.name, common::readString(j, "name", path));
  if (!common::isValidName(s.name)) {
    return invalid(
        joinPath(path, "name"),
        "must be 1-63 characters of [a-z0-9-] without a leading or trailing '-', got \"" + s.name +
            "\"");
  }
  if (common::isReservedInstanceName(s.name)) {
    return invalid(joinPath(path, "name"), "\"" + s.name + "\" is reserved: its unit would be " +
                                               unitNameFor(s.name) + ", which Photon runs itself");
  }
  PHOTON_TRY(s.service, common::readString(j, "service", path, s.name));
  if (!common::isValidName(s.service)) {
    return invalid(joinPath(path, "service"), "must be 1-63 characters of [a-z0-9-]");
  }
  PHOTON_TRY(auto kind, common::readString(j, "kind", path, "process"));
  if (kind == "process") {
    s.kind = InstanceKind::kProcess;
  } else if (kind == "container") {
    s.kind = InstanceKind::kContainer;
  } else {
    return invalid(joinPath(path, "kind"), "must be process or container");
  }
  PHOTON_TRY(s.exec, common::readStringList(j, "exec", path));
  if (s.kind == InstanceKind::kProcess && s.exec.empty()) {
    return invalid(joinPath(path, "exec"), "is required for a process");
  }
  if (!s.exec.empty()) PHOTON_CHECK(checkArgv(s.exec, joinPath(path, "exec")));
  PHOTON_TRY(s.image, common::readString(j, "image", path, ""));
  if (s.kind == InstanceKind::kContainer && !common::isValidName(s.image)) {
    return invalid(joinPath(path, "image"), "a container needs an image name of [a-z0-9-]");
  }
  PHOTON_TRY(auto env, common::readObject(j, "env", path));
  if (!env.is_object()) return invalid(joinPath(path, "env"), "must be an object");
  if (env.size() > 256) return invalid(joinPath(path, "env"), "has more than 256 variables");
  for (const auto& [k, v] : env.items()) {
    auto field = joinPath(joinPath(path, "env"), k);
    if (!isIdentifier(k))
      return invalid(field, "key must be an identifier ([A-Za-z_][A-Za-z0-9_]*)");
    if (!v.is_string()) return invalid(field, "must be a string");
    const auto& value = v.get_ref<const std::string&>();
    if (value.size() > common::kMaxStringLength || value.find('\0') != std::string::npos ||
        value.find('\n') != std::string::npos) {
      return invalid(field, "must be a single line up to 4096 characters");
    }
    s.env[k] = value;
  }
  PHOTON_TRY(s.user, common::readString(j, "user", path, ""));
  if (!s.user.empty() && !isValidUser(s.user)) {
    return invalid(joinPath(path, "user"), "must be a user name of [a-z0-9_-]");
  }
  PHOTON_TRY(auto restart, common::readString(j, "restart", path, "on-failure"));
  if (restart == "always") {
    s.restart = UnitRestart::kAlways;
  } else if (restart == "on-failure") {
    s.restart = UnitRestart::kOnFailure;
  } else if (restart == "no") {
    s.restart = UnitRestart::kNo;
  } else {
    return invalid(joinPath(path, "restart"), "must be always, on-failure or no");
  }
  PHOTON_TRY(auto resources, common::readObject(j, "resources", path));
  if (!resources.is_object()) return invalid(joinPath(path, "resources"), "must be an object");
  auto rpath = joinPath(path, "resources");
  if (resources.contains("cpu_millis") && !resources["cpu_millis"].is_null()) {
    PHOTON_TRY(s.resources.cpu_millis,
               common::readInt(resources, "cpu_millis", rpath, 1, kMaxCpuMillis));
  }
  if (resources.contains("memory_bytes") && !resources["memory_bytes"].is_null()) {
    PHOTON_TRY(s.resources.memory_bytes,
               common::readInt(resources, "memory_bytes", rpath, kMinMemory, kMaxMemory));
  }
  PHOTON_TRY(auto sandbox, common::readObject(j, "sandbox", path));
  if (!sandbox.is_object()) return invalid(joinPath(path, "sandbox"), "must be an object");
  PHOTON_TRY(s.sandbox, parseSandbox(sandbox, joinPath(path, "sandbox")));
  if (j.contains("health") && !j["health"].is_null()) {
    PHOTON_TRY(auto health, common::readObject(j, "health", path));
    if (!health.is_object()) return invalid(joinPath(path, "health"), "must be an object");
    PHOTON_TRY(s.health, parseHealth(health, joinPath(path, "health")));
    // A check runs with its instance's credentials and in its unit's cgroup, never the agent's;
    // a container's inside that container, as a user of its image.
    s.health.user = s.user;
    s.health.unit = unitNameFor(s.name);
    s.health.container = s.kind == InstanceKind::kContainer;
  }
  // The revision may come as a number or a string; it is compared as text.
  if (j.contains("revision") && j["revision"].is_number_integer()) {
    s.revision = common::dumpJson(j["revision"]);
  } else {
    PHOTON_TRY(s.revision, common::readString(j, "revision", path, "0"));
  }
  if (!isValidRevision(s.revision)) {
    return invalid(joinPath(path, "revision"), "must be up to 64 characters of [A-Za-z0-9._-]");
  }
  return s;
}

Status checkSection(const Json& section) {
  if (section.is_null()) return {};
  if (!section.is_array()) return invalid("units", "must be a list of instances");
  if (section.size() > kMaxInstances) {
    return invalid("units", "has more than " + std::to_string(kMaxInstances) + " instances");
  }
  return {};
}

}  // namespace photon::agent
