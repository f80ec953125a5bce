// A desired service instance (one element of the desired document's "units" list) as a typed,
// validated struct. Parsing is pure: a bad instance becomes an error naming its field, and the
// reconciler refuses that instance alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

enum class InstanceKind { kProcess, kContainer };
enum class UnitRestart { kAlways, kOnFailure, kNo };
enum class HealthKind { kNone, kHttp, kTcp, kExec };

struct Resources {
  int64_t cpu_millis = 0;    // 0: no quota; 1000 = one core
  int64_t memory_bytes = 0;  // 0: no limit
};

struct Sandbox {
  bool no_new_privileges = true;
  std::string protect_system = "full";  // "no", "yes", "full", "strict"
  bool protect_home = true;
  bool private_tmp = true;
  bool private_network = false;
};

// Checks go to 127.0.0.1 only: an instance's health is judged on its own node.
struct HealthCheckSpec {
  HealthKind kind = HealthKind::kNone;
  int port = 0;                   // http, tcp
  std::string path = "/";         // http
  std::vector<std::string> exec;  // exec: argv, absolute path first
  // exec: the user the command runs as, the instance's own ("" : root, as the instance runs).
  // For a container, a user of its image.
  std::string user;
  // exec: the instance's unit. The command starts in the cgroup of its main process (a process
  // instance's) or, with `container`, of its container's leader, inside that container.
  std::string unit;
  bool container = false;
  int interval_s = 10;
  int timeout_ms = 1000;
  int rise = 2;  // consecutive successes to become healthy
  int fall = 3;  // consecutive failures to become unhealthy
};

struct InstanceSpec {
  std::string name;
  std::string service;  // the service it is an instance of (VIPs follow it); default: name
  InstanceKind kind = InstanceKind::kProcess;
  std::vector<std::string> exec;
  std::string image;  // container: a directory under the images dir
  std::map<std::string, std::string> env;
  std::string user;
  UnitRestart restart = UnitRestart::kOnFailure;
  Resources resources;
  Sandbox sandbox;
  HealthCheckSpec health;
  std::string revision;
};

constexpr size_t kMaxInstances = 512;

std::string unitNameFor(const std::string& instance);
// "photon-web.service" -> "web"; empty when the unit is not one of ours.
std::string instanceNameOf(const std::string& unit);

std::string toString(UnitRestart policy);
std::string toString(HealthKind kind);

// One instance; `path` is where it sits in the document ("units[3]") for error fields.
[[nodiscard]] common::Result<InstanceSpec> parseInstance(const common::Json& j,
                                                         const std::string& path);

// The section as a whole: a list (or null) of at most kMaxInstances objects. Instances are
// parsed one by one afterwards so that one bad instance does not refuse the others.
[[nodiscard]] common::Status checkSection(const common::Json& section);

bool isIdentifier(const std::string& s);
bool isValidUser(const std::string& s);
bool isValidRevision(const std::string& s);

}  // namespace photon::agent
