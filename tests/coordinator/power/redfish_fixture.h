// A TEST FIXTURE, not a BMC: an HTTP server on 127.0.0.1 that serves DMTF's public Redfish
// mockup documents (redfish-mockup/, copied from DMTF/Redfish-Mockup-Server) and implements
// on top of them what the driver uses: SessionService sessions (X-Auth-Token), the
// ComputerSystem.Reset action and the Boot override by PATCH. Two quirks of real BMCs can be
// switched on: a system served only with a trailing slash, and a Reset answered 202 with a task
// monitor that stays 202 for a few polls.
#pragma once

#include <httplib.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "common/json_fields.h"

namespace photon::test {

struct RedfishQuirks {
  bool trailing_slash_only = false;
  int task_polls = 0;  // >0: Reset answers 202 and its task monitor 202 this many times
  // Both set: HTTPS with this certificate (a test CA's), as real BMCs serve.
  std::string tls_cert;
  std::string tls_key;
};

class RedfishFixture {
 public:
  using Quirks = RedfishQuirks;
  static constexpr const char* kUser = "root";
  static constexpr const char* kPassword = "redfish-pw";
  static constexpr const char* kSystem = "/redfish/v1/Systems/437XR1138R2";

  explicit RedfishFixture(Quirks quirks = {}) : quirks_(quirks) {
    std::string dir = std::string(PHOTON_SOURCE_DIR) + "/tests/coordinator/power/redfish-mockup";
    systems_ = load(dir + "/Systems/index.json");
    system_ = load(dir + "/Systems/437XR1138R2/index.json");
    if (!quirks_.tls_cert.empty()) {
      server_ =
          std::make_unique<httplib::SSLServer>(quirks_.tls_cert.c_str(), quirks_.tls_key.c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    server_->set_tcp_nodelay(true);
    routes();
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~RedfishFixture() {
    server_->stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string powerState() {
    std::lock_guard lock(mutex_);
    return system_["PowerState"];
  }
  common::Json boot() {
    std::lock_guard lock(mutex_);
    return system_["Boot"];
  }
  std::vector<std::string> resets() {
    std::lock_guard lock(mutex_);
    return resets_;
  }
  int sessionsOpen() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(tokens_.size());
  }
  int taskPolls() {
    std::lock_guard lock(mutex_);
    return task_polls_seen_;
  }
  void setPowerState(const std::string& state) {
    std::lock_guard lock(mutex_);
    system_["PowerState"] = state;
  }

 private:
  static common::Json load(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return common::Json::parse(ss.str());
  }
  static void json(httplib::Response& res, int status, const common::Json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }
  // Every route but the login wants our session's token.
  bool authorized(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    if (tokens_.contains(req.get_header_value("X-Auth-Token"))) return true;
    json(res, 401, {{"error", {{"message", "no valid X-Auth-Token"}}}});
    return false;
  }
  // The system's path as this BMC serves it; the other spelling is a 404.
  bool systemPathOk(const httplib::Request& req) const {
    bool slash = req.path.back() == '/';
    return quirks_.trailing_slash_only ? slash : !slash;
  }
  void applyReset(const std::string& type) {
    resets_.push_back(type);
    if (type == "On" || type == "ForceOn" || type == "ForceRestart" || type == "PowerCycle") {
      system_["PowerState"] = "On";
    } else if (type == "ForceOff" || type == "GracefulShutdown") {
      system_["PowerState"] = "Off";
    }
  }

  void routes() {
    server_->Post("/redfish/v1/SessionService/Sessions",
                  [this](const httplib::Request& req, httplib::Response& res) {
                    auto body = common::Json::parse(req.body, nullptr, false);
                    if (!body.is_object() || body.value("UserName", "") != kUser ||
                        body.value("Password", "") != kPassword) {
                      json(res, 401, {{"error", {{"message", "bad credentials"}}}});
                      return;
                    }
                    std::lock_guard lock(mutex_);
                    std::string token = "token-" + std::to_string(++sessions_);
                    tokens_.insert(token);
                    res.set_header("X-Auth-Token", token);
                    res.set_header("Location", "/redfish/v1/SessionService/Sessions/" + token);
                    json(res, 201, {{"Id", token}});
                  });
    server_->Delete(R"(/redfish/v1/SessionService/Sessions/(.+))",
                    [this](const httplib::Request& req, httplib::Response& res) {
                      if (!authorized(req, res)) return;
                      std::lock_guard lock(mutex_);
                      tokens_.erase(req.matches[1].str());
                      res.status = 204;
                    });
    server_->Get("/redfish/v1/Systems",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   if (!authorized(req, res)) return;
                   json(res, 200, systems_);
                 });
    server_->Get(R"(/redfish/v1/Systems/437XR1138R2/?)",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   if (!authorized(req, res)) return;
                   if (!systemPathOk(req))
                     return json(res, 404, {{"error", {{"message", "not found"}}}});
                   std::lock_guard lock(mutex_);
                   json(res, 200, system_);
                 });
    server_->Patch(R"(/redfish/v1/Systems/437XR1138R2/?)", [this](const httplib::Request& req,
                                                                  httplib::Response& res) {
      if (!authorized(req, res)) return;
      if (!systemPathOk(req)) return json(res, 404, {{"error", {{"message", "not found"}}}});
      auto body = common::Json::parse(req.body, nullptr, false);
      std::lock_guard lock(mutex_);
      const auto& allowed = system_["Boot"]["BootSourceOverrideTarget@Redfish.AllowableValues"];
      auto target = body.is_object() && body.contains("Boot")
                        ? body["Boot"].value("BootSourceOverrideTarget", "")
                        : std::string();
      if (std::find(allowed.begin(), allowed.end(), target) == allowed.end()) {
        return json(res, 400, {{"error", {{"message", "bad BootSourceOverrideTarget"}}}});
      }
      system_["Boot"]["BootSourceOverrideTarget"] = target;
      system_["Boot"]["BootSourceOverrideEnabled"] =
          body["Boot"].value("BootSourceOverrideEnabled", "Once");
      res.status = 204;
    });
    server_->Post(
        R"(/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset/?)",
        [this](const httplib::Request& req, httplib::Response& res) {
          if (!authorized(req, res)) return;
          if (!systemPathOk(req)) return json(res, 404, {{"error", {{"message", "not found"}}}});
          auto body = common::Json::parse(req.body, nullptr, false);
          std::string type = body.is_object() ? body.value("ResetType", "") : "";
          std::lock_guard lock(mutex_);
          const auto& allowed =
              system_["Actions"]["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"];
          if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
            return json(res, 400, {{"error", {{"message", "ResetType not allowed"}}}});
          }
          if (quirks_.task_polls > 0) {
            pending_reset_ = type;
            task_left_ = quirks_.task_polls;
            res.set_header("Location", "/redfish/v1/TaskService/TaskMonitors/1");
            return json(res, 202, {{"TaskState", "Running"}});
          }
          applyReset(type);
          res.status = 204;
        });
    server_->Get("/redfish/v1/TaskService/TaskMonitors/1",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   if (!authorized(req, res)) return;
                   std::lock_guard lock(mutex_);
                   ++task_polls_seen_;
                   if (task_left_-- > 0) return json(res, 202, {{"TaskState", "Running"}});
                   applyReset(pending_reset_);
                   json(res, 200, {{"TaskState", "Completed"}, {"TaskStatus", "OK"}});
                 });
  }

  Quirks quirks_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  common::Json systems_, system_;
  std::set<std::string> tokens_;
  int sessions_ = 0;
  std::vector<std::string> resets_;
  std::string pending_reset_;
  int task_left_ = 0;
  int task_polls_seen_ = 0;
};

}  // namespace photon::test
