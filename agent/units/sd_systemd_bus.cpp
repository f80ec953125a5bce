#include "agent/units/sd_systemd_bus.h"

#include <time.h>
#include <cstring>
#include <map>

#include "agent/units/sd_bus_handles.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;
using common::Result;
using common::Status;

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
constexpr const char* kUnitPathPrefix = "/org/freedesktop/systemd1/unit/photon_2d";
constexpr auto kJobTimeout = std::chrono::seconds(60);
constexpr auto kUnloadTimeout = std::chrono::seconds(10);
constexpr size_t kMaxRememberedJobs = 4096;

std::unexpected<common::Error> busFail(const std::string& what, const SdBusError& e, int r) {
  return fail(ErrorCode::kUnavailable, what + ": " + e.describe(r));
}

uint64_t nowUsec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

// A null-terminated char* array over strings that outlive it, for sd_bus_message_append_strv.
std::vector<char*> strv(const std::vector<std::string>& items) {
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (const auto& s : items) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

int appendStrvProperty(sd_bus_message* m, const char* name, const std::vector<std::string>& v) {
  int r = sd_bus_message_open_container(m, 'r', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", name);
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', "as");
  auto items = strv(v);
  if (r >= 0) r = sd_bus_message_append_strv(m, items.data());
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

int appendExecStart(sd_bus_message* m, const std::vector<std::string>& argv) {
  int r = sd_bus_message_open_container(m, 'r', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", "ExecStart");
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', "a(sasb)");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sasb)");
  if (r >= 0) r = sd_bus_message_open_container(m, 'r', "sasb");
  if (r >= 0) r = sd_bus_message_append(m, "s", argv.front().c_str());
  auto items = strv(argv);
  if (r >= 0) r = sd_bus_message_append_strv(m, items.data());
  if (r >= 0) r = sd_bus_message_append(m, "b", 0);
  for (int i = 0; i < 4 && r >= 0; ++i) r = sd_bus_message_close_container(m);
  return r;
}

int appendDeviceAllow(sd_bus_message* m,
                      const std::vector<std::pair<std::string, std::string>>& devices) {
  int r = sd_bus_message_open_container(m, 'r', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", "DeviceAllow");
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', "a(ss)");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(ss)");
  for (const auto& [path, access] : devices) {
    if (r >= 0) r = sd_bus_message_append(m, "(ss)", path.c_str(), access.c_str());
  }
  for (int i = 0; i < 3 && r >= 0; ++i) r = sd_bus_message_close_container(m);
  return r;
}

int appendProperties(sd_bus_message* m, const TransientUnit& u) {
  int r = sd_bus_message_open_container(m, 'a', "(sv)");
  auto str = [&](const char* name, const std::string& value) {
    if (r >= 0 && !value.empty()) r = sd_bus_message_append(m, "(sv)", name, "s", value.c_str());
  };
  auto boolean = [&](const char* name, bool value) {
    if (r >= 0) r = sd_bus_message_append(m, "(sv)", name, "b", static_cast<int>(value));
  };
  auto u64 = [&](const char* name, uint64_t value) {
    if (r >= 0) r = sd_bus_message_append(m, "(sv)", name, "t", value);
  };
  str("Description", u.description);
  str("Type", u.type);
  if (r >= 0) r = appendExecStart(m, u.exec_start);
  if (r >= 0 && !u.environment.empty()) r = appendStrvProperty(m, "Environment", u.environment);
  str("User", u.user);
  str("Restart", u.restart);
  u64("RestartUSec", u.restart_usec);
  boolean("RemainAfterExit", u.remain_after_exit);
  if (u.memory_max) {
    boolean("MemoryAccounting", true);
    u64("MemoryMax", *u.memory_max);
  }
  if (u.cpu_quota_per_sec_usec) u64("CPUQuotaPerSecUSec", *u.cpu_quota_per_sec_usec);
  if (u.no_new_privileges) boolean("NoNewPrivileges", true);
  str("ProtectSystem", u.protect_system);
  str("ProtectHome", u.protect_home);
  if (u.private_tmp) boolean("PrivateTmp", true);
  if (u.private_network) boolean("PrivateNetwork", true);
  if (u.delegate) boolean("Delegate", true);
  str("KillMode", u.kill_mode);
  if (u.tasks_max) {
    boolean("TasksAccounting", true);
    u64("TasksMax", *u.tasks_max);
  }
  str("DevicePolicy", u.device_policy);
  if (r >= 0 && !u.device_allow.empty()) r = appendDeviceAllow(m, u.device_allow);
  if (u.capability_bounding_set) u64("CapabilityBoundingSet", *u.capability_bounding_set);
  str("Group", u.group);
  if (r >= 0 && !u.runtime_directory.empty()) {
    r = appendStrvProperty(m, "RuntimeDirectory", {u.runtime_directory});
    if (r >= 0 && !u.runtime_directory_mode.empty()) {
      r = sd_bus_message_append(
          m, "(sv)", "RuntimeDirectoryMode", "u",
          static_cast<uint32_t>(std::stoul(u.runtime_directory_mode, nullptr, 8)));
    }
  }
  str("StandardOutputFileToAppend", u.standard_output_append);
  str("StandardErrorFileToAppend", u.standard_error_append);
  if (u.runtime_max_usec) u64("RuntimeMaxUSec", *u.runtime_max_usec);
  if (u.timeout_stop_usec) u64("TimeoutStopUSec", *u.timeout_stop_usec);
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

// Reads the properties this domain reports out of a GetAll reply (a{sv}), skipping the rest.
int readServiceProperties(sd_bus_message* m, UnitState& state) {
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* name = nullptr;
    if ((r = sd_bus_message_read(m, "s", &name)) < 0) return r;
    auto readU64 = [&](std::optional<uint64_t>& out) {
      uint64_t v = 0;
      int rr = sd_bus_message_read(m, "v", "t", &v);
      if (rr >= 0) out = v == UINT64_MAX ? std::nullopt : std::optional<uint64_t>(v);
      return rr;
    };
    if (std::strcmp(name, "MainPID") == 0) {
      r = sd_bus_message_read(m, "v", "u", &state.main_pid);
    } else if (std::strcmp(name, "ControlGroup") == 0) {
      const char* group = nullptr;
      r = sd_bus_message_read(m, "v", "s", &group);
      if (r >= 0 && group) state.control_group = group;
    } else if (std::strcmp(name, "NRestarts") == 0) {
      r = sd_bus_message_read(m, "v", "u", &state.n_restarts);
    } else if (std::strcmp(name, "ExecMainStatus") == 0) {
      r = sd_bus_message_read(m, "v", "i", &state.exec_main_status);
    } else if (std::strcmp(name, "ExecMainCode") == 0) {
      r = sd_bus_message_read(m, "v", "i", &state.exec_main_code);
    } else if (std::strcmp(name, "Result") == 0) {
      const char* result = nullptr;
      r = sd_bus_message_read(m, "v", "s", &result);
      if (r >= 0 && result) state.result = result;
    } else if (std::strcmp(name, "TasksMax") == 0) {
      r = readU64(state.tasks_max);
    } else if (std::strcmp(name, "MemoryMax") == 0) {
      r = readU64(state.memory_max);
    } else if (std::strcmp(name, "CPUQuotaPerSecUSec") == 0) {
      r = readU64(state.cpu_quota_per_sec_usec);
    } else {
      r = sd_bus_message_skip(m, "v");
    }
    if (r < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

class SdSystemdBus final : public SystemdBus {
 public:
  explicit SdSystemdBus(SdBusPtr bus) : bus_(std::move(bus)) {}

  Status init() {
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_match_signal(bus_.get(), &slot, kService, kManagerPath, kManager, "JobRemoved",
                                &SdSystemdBus::onJobRemoved, this);
    if (r < 0)
      return fail(ErrorCode::kUnavailable, "match JobRemoved: " + std::string(strerror(-r)));
    job_slot_.reset(slot);
    r = sd_bus_match_signal(bus_.get(), &slot, kService, nullptr, kProperties, "PropertiesChanged",
                            &SdSystemdBus::onPropertiesChanged, this);
    if (r < 0) {
      return fail(ErrorCode::kUnavailable, "match PropertiesChanged: " + std::string(strerror(-r)));
    }
    props_slot_.reset(slot);
    // Without Subscribe systemd sends no unit signals at all.
    SdBusError error;
    SdBusMessagePtr reply;
    sd_bus_message* raw = nullptr;
    r = sd_bus_call_method(bus_.get(), kService, kManagerPath, kManager, "Subscribe", error.get(),
                           &raw, "");
    reply.reset(raw);
    if (r < 0) return busFail("subscribe to systemd", error, r);
    return {};
  }

  Status startTransientUnit(const TransientUnit& unit) override {
    if (unit.exec_start.empty()) return common::invalid("exec", "is empty");
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus_.get(), &raw, kService, kManagerPath, kManager,
                                           "StartTransientUnit");
    SdBusMessagePtr call(raw);
    if (r >= 0) r = sd_bus_message_append(call.get(), "ss", unit.name.c_str(), "fail");
    if (r >= 0) r = appendProperties(call.get(), unit);
    if (r >= 0) r = sd_bus_message_append(call.get(), "a(sa(sv))", 0);
    if (r < 0)
      return fail(ErrorCode::kInternal, "build StartTransientUnit: " + std::string(strerror(-r)));
    SdBusError error;
    raw = nullptr;
    r = sd_bus_call(bus_.get(), call.get(), 0, error.get(), &raw);
    SdBusMessagePtr reply(raw);
    if (r < 0) return busFail("start " + unit.name, error, r);
    const char* job = nullptr;
    if ((r = sd_bus_message_read(reply.get(), "o", &job)) < 0) {
      return fail(ErrorCode::kInternal, "start " + unit.name + ": read job: " + strerror(-r));
    }
    PHOTON_TRY(auto result, waitForJob(job));
    if (result != "done") {
      return fail(ErrorCode::kUnavailable, "start " + unit.name + ": job ended " + result);
    }
    return {};
  }

  Status stopUnit(const std::string& name) override {
    SdBusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus_.get(), kService, kManagerPath, kManager, "StopUnit",
                               error.get(), &raw, "ss", name.c_str(), "replace");
    SdBusMessagePtr reply(raw);
    if (r < 0 && !error.has("org.freedesktop.systemd1.NoSuchUnit")) {
      return busFail("stop " + name, error, r);
    }
    if (r >= 0) {
      const char* job = nullptr;
      if ((r = sd_bus_message_read(reply.get(), "o", &job)) < 0) {
        return fail(ErrorCode::kInternal, "stop " + name + ": read job: " + strerror(-r));
      }
      PHOTON_TRY(auto result, waitForJob(job));
      (void)result;  // "done" or "canceled"/"failed": either way the unit is down or going
    }
    // A failed unit stays loaded until its failure is reset; then the manager unloads it.
    SdBusError reset_error;
    raw = nullptr;
    sd_bus_call_method(bus_.get(), kService, kManagerPath, kManager, "ResetFailedUnit",
                       reset_error.get(), &raw, "s", name.c_str());
    sd_bus_message_unref(raw);
    return waitUnloaded(name);
  }

  Result<UnitState> unitState(const std::string& name) override {
    UnitState state;
    state.name = name;
    SdBusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus_.get(), kService, kManagerPath, kManager, "GetUnit", error.get(),
                               &raw, "s", name.c_str());
    SdBusMessagePtr reply(raw);
    if (r < 0) {
      if (error.has("org.freedesktop.systemd1.NoSuchUnit")) {
        state.load_state = "not-found";
        state.active_state = "inactive";
        return state;
      }
      return busFail("get unit " + name, error, r);
    }
    const char* path = nullptr;
    if ((r = sd_bus_message_read(reply.get(), "o", &path)) < 0) {
      return fail(ErrorCode::kInternal, "get unit " + name + ": " + strerror(-r));
    }
    std::string unit_path = path;
    for (auto [prop, out] :
         {std::pair{"Description", &state.description}, std::pair{"LoadState", &state.load_state},
          std::pair{"ActiveState", &state.active_state}, std::pair{"SubState", &state.sub_state}}) {
      SdBusError e;
      char* value = nullptr;
      r = sd_bus_get_property_string(bus_.get(), kService, unit_path.c_str(),
                                     "org.freedesktop.systemd1.Unit", prop, e.get(), &value);
      if (r < 0) return busFail("read " + name + " " + prop, e, r);
      *out = value;
      free(value);
    }
    PHOTON_CHECK(readService(unit_path, state));
    return state;
  }

  Result<std::vector<UnitState>> listUnits(const std::string& prefix) override {
    SdBusError error;
    sd_bus_message* raw = nullptr;
    auto pattern = prefix + "*";
    int r = sd_bus_call_method(bus_.get(), kService, kManagerPath, kManager, "ListUnitsByPatterns",
                               error.get(), &raw, "asas", 0, 1, pattern.c_str());
    SdBusMessagePtr reply(raw);
    if (r < 0) return busFail("list units", error, r);
    std::vector<std::pair<UnitState, std::string>> units;
    r = sd_bus_message_enter_container(reply.get(), 'a', "(ssssssouso)");
    while (r >= 0) {
      const char *name, *desc, *load, *active, *sub, *following, *path, *job_type, *job_path;
      uint32_t job_id = 0;
      r = sd_bus_message_read(reply.get(), "(ssssssouso)", &name, &desc, &load, &active, &sub,
                              &following, &path, &job_id, &job_type, &job_path);
      if (r <= 0) break;
      UnitState s;
      s.name = name;
      s.description = desc;
      s.load_state = load;
      s.active_state = active;
      s.sub_state = sub;
      units.emplace_back(std::move(s), path);
    }
    if (r < 0)
      return fail(ErrorCode::kInternal, "parse ListUnitsByPatterns: " + std::string(strerror(-r)));
    std::vector<UnitState> out;
    out.reserve(units.size());
    for (auto& [state, path] : units) {
      PHOTON_CHECK(readService(path, state));
      out.push_back(std::move(state));
    }
    return out;
  }

  Result<bool> waitForChange(std::chrono::milliseconds timeout) override {
    uint64_t deadline = nowUsec() + static_cast<uint64_t>(timeout.count()) * 1000;
    for (;;) {
      PHOTON_CHECK(drain());
      if (changed_) {
        changed_ = false;
        return true;
      }
      uint64_t now = nowUsec();
      if (now >= deadline) return false;
      int r = sd_bus_wait(bus_.get(), deadline - now);
      if (r < 0) return fail(ErrorCode::kUnavailable, "wait on bus: " + std::string(strerror(-r)));
    }
  }

 private:
  static int onJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<SdSystemdBus*>(userdata);
    uint32_t id = 0;
    const char *job = nullptr, *unit = nullptr, *result = nullptr;
    if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0) return 0;
    if (std::strncmp(unit, "photon-", 7) != 0) return 0;
    if (self->finished_jobs_.size() >= kMaxRememberedJobs) self->finished_jobs_.clear();
    self->finished_jobs_[job] = result;
    return 0;
  }

  static int onPropertiesChanged(sd_bus_message* m, void* userdata, sd_bus_error*) {
    const char* path = sd_bus_message_get_path(m);
    if (path && std::strncmp(path, kUnitPathPrefix, std::strlen(kUnitPathPrefix)) == 0) {
      static_cast<SdSystemdBus*>(userdata)->changed_ = true;
    }
    return 0;
  }

  // Runs the callbacks of every message already received.
  Status drain() {
    for (int i = 0; i < 100000; ++i) {
      int r = sd_bus_process(bus_.get(), nullptr);
      if (r < 0) return fail(ErrorCode::kUnavailable, "process bus: " + std::string(strerror(-r)));
      if (r == 0) return {};
    }
    return {};
  }

  Result<std::string> waitForJob(const std::string& job) {
    uint64_t deadline =
        nowUsec() + std::chrono::duration_cast<std::chrono::microseconds>(kJobTimeout).count();
    for (;;) {
      PHOTON_CHECK(drain());
      if (auto it = finished_jobs_.find(job); it != finished_jobs_.end()) {
        auto result = it->second;
        finished_jobs_.erase(it);
        return result;
      }
      uint64_t now = nowUsec();
      if (now >= deadline)
        return fail(ErrorCode::kUnavailable, "job " + job + " did not finish in time");
      int r = sd_bus_wait(bus_.get(), deadline - now);
      if (r < 0) return fail(ErrorCode::kUnavailable, "wait on bus: " + std::string(strerror(-r)));
    }
  }

  // The manager unloads a stopped transient unit on its next loop iteration; a new one with the
  // same name can start only after that.
  Status waitUnloaded(const std::string& name) {
    uint64_t deadline =
        nowUsec() + std::chrono::duration_cast<std::chrono::microseconds>(kUnloadTimeout).count();
    for (;;) {
      SdBusError error;
      sd_bus_message* raw = nullptr;
      int r = sd_bus_call_method(bus_.get(), kService, kManagerPath, kManager, "GetUnit",
                                 error.get(), &raw, "s", name.c_str());
      sd_bus_message_unref(raw);
      if (r < 0) {
        if (error.has("org.freedesktop.systemd1.NoSuchUnit")) return {};
        return busFail("get unit " + name, error, r);
      }
      uint64_t now = nowUsec();
      if (now >= deadline) return fail(ErrorCode::kUnavailable, name + " still loaded after stop");
      PHOTON_CHECK(drain());
      // Any signal (UnitRemoved, PropertiesChanged) wakes this; 20 ms bounds a quiet bus.
      int w = sd_bus_wait(bus_.get(), std::min<uint64_t>(deadline - now, 20'000));
      if (w < 0) return fail(ErrorCode::kUnavailable, "wait on bus: " + std::string(strerror(-w)));
    }
  }

  Status readService(const std::string& unit_path, UnitState& state) {
    SdBusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus_.get(), kService, unit_path.c_str(), kProperties, "GetAll",
                               error.get(), &raw, "s", "org.freedesktop.systemd1.Service");
    SdBusMessagePtr reply(raw);
    if (r < 0) return busFail("read " + state.name + " service properties", error, r);
    r = readServiceProperties(reply.get(), state);
    if (r < 0) {
      return fail(ErrorCode::kInternal, "parse " + state.name + " properties: " + strerror(-r));
    }
    return {};
  }

  SdBusPtr bus_;
  SdBusSlotPtr job_slot_;
  SdBusSlotPtr props_slot_;
  std::map<std::string, std::string> finished_jobs_;
  bool changed_ = false;
};

}  // namespace

std::string SdBusError::describe(int r) const {
  if (sd_bus_error_is_set(&error_) && error_.message) return error_.message;
  return strerror(-r);
}

Result<std::unique_ptr<SystemdBus>> connectSystemdBus(const std::string& address) {
  sd_bus* raw = nullptr;
  int r = 0;
  if (address.empty()) {
    r = sd_bus_open_system(&raw);
    if (r < 0)
      return fail(ErrorCode::kUnavailable, "open system bus: " + std::string(strerror(-r)));
  } else {
    r = sd_bus_new(&raw);
    if (r < 0) return fail(ErrorCode::kInternal, "new bus: " + std::string(strerror(-r)));
  }
  SdBusPtr bus(raw);
  if (!address.empty()) {
    if ((r = sd_bus_set_address(bus.get(), address.c_str())) < 0 ||
        (r = sd_bus_set_bus_client(bus.get(), 1)) < 0 || (r = sd_bus_start(bus.get())) < 0) {
      return fail(ErrorCode::kUnavailable, "connect to bus " + address + ": " + strerror(-r));
    }
  }
  auto adapter = std::make_unique<SdSystemdBus>(std::move(bus));
  PHOTON_CHECK(adapter->init());
  return std::unique_ptr<SystemdBus>(std::move(adapter));
}

}  // namespace photon::agent
