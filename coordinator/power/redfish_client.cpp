#include "coordinator/power/redfish_client.h"

#include <httplib.h>

#include <thread>

namespace photon::coordinator::power {
namespace {

using common::ErrorCode;
using common::fail;

constexpr const char* kSessions = "/redfish/v1/SessionService/Sessions";
constexpr size_t kMaxBody = 4 << 20;  // a BMC's answer is bounded like any client's input

void setTimeouts(httplib::Client& http, Deadline deadline) {
  auto left = remaining(deadline);
  auto sec = static_cast<time_t>(left.count() / 1000);
  auto usec = static_cast<time_t>((left.count() % 1000) * 1000);
  http.set_connection_timeout(sec, usec);
  http.set_read_timeout(sec, usec);
  http.set_write_timeout(sec, usec);
}

// "/a/b" <-> "/a/b/": the path a BMC that answered 404 may want instead.
std::string toggledSlash(const std::string& path) {
  if (path.size() > 1 && path.back() == '/') return path.substr(0, path.size() - 1);
  return path + "/";
}

// The path part of a Location header, which may be absolute ("https://bmc/redfish/…").
std::string pathOf(const std::string& location) {
  auto scheme = location.find("://");
  if (scheme == std::string::npos) return location;
  auto slash = location.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : location.substr(slash);
}

std::string describe(const std::string& method, const std::string& path, int status,
                     const common::Json& body) {
  std::string out = method + " " + path + ": HTTP " + std::to_string(status);
  // Redfish errors carry {"error": {"message": …}}; keep the BMC's words, bounded.
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& e = body["error"];
    if (e.contains("message") && e["message"].is_string()) {
      out += " (" + e["message"].get<std::string>().substr(0, 200) + ")";
    }
  }
  return out;
}

}  // namespace

RedfishClient::RedfishClient(const BmcAccess& access) : access_(access) {
  int port = access.port ? access.port : (access.scheme == "http" ? 80 : 443);
  std::string base = access.scheme + "://" + access.address + ":" + std::to_string(port);
  http_ = std::make_unique<httplib::Client>(base);
  http_->set_tcp_nodelay(true);
  http_->set_keep_alive(true);
  if (access.scheme == "https") {
    if (!access.ca_file.empty()) http_->set_ca_cert_path(access.ca_file.c_str());
    http_->enable_server_certificate_verification(!access.insecure_tls);
  }
}

RedfishClient::~RedfishClient() {
  if (session_path_.empty()) return;
  // Ending the session frees one of the BMC's few session slots; it is not worth a long wait.
  setTimeouts(*http_, std::chrono::steady_clock::now() + std::chrono::seconds(2));
  http_->Delete(session_path_.c_str(), httplib::Headers{{"X-Auth-Token", token_}});
}

common::Status RedfishClient::login(Deadline deadline) {
  if (!token_.empty() || basic_auth_) return {};
  setTimeouts(*http_, deadline);
  common::Json body{{"UserName", access_.username}, {"Password", access_.password}};
  auto res = http_->Post(kSessions, body.dump(), "application/json");
  if (!res) {
    return fail(ErrorCode::kUnavailable,
                "POST " + std::string(kSessions) + ": " + httplib::to_string(res.error()));
  }
  if (res->status == 404 || res->status == 405) {
    basic_auth_ = true;  // no session service: every request carries the credentials
    return {};
  }
  if (res->status != 201 && res->status != 200) {
    return fail(res->status == 401 ? ErrorCode::kUnauthorized : ErrorCode::kUnavailable,
                "POST " + std::string(kSessions) + ": HTTP " + std::to_string(res->status));
  }
  token_ = res->get_header_value("X-Auth-Token");
  if (token_.empty()) {
    return fail(ErrorCode::kUnavailable, "POST " + std::string(kSessions) + ": no X-Auth-Token");
  }
  session_path_ = pathOf(res->get_header_value("Location"));
  return {};
}

common::Result<RedfishReply> RedfishClient::sendOnce(const std::string& method,
                                                     const std::string& path,
                                                     const common::Json* body, Deadline deadline,
                                                     std::string* location) {
  if (remaining(deadline).count() == 0) {
    return fail(ErrorCode::kUnavailable, method + " " + path + ": deadline passed");
  }
  setTimeouts(*http_, deadline);
  httplib::Headers headers{{"Accept", "application/json"}};
  if (basic_auth_) {
    http_->set_basic_auth(access_.username.c_str(), access_.password.c_str());
  } else {
    headers.emplace("X-Auth-Token", token_);
  }
  std::string payload = body ? body->dump() : "";
  httplib::Result res = method == "GET" ? http_->Get(path.c_str(), headers)
                        : method == "POST"
                            ? http_->Post(path.c_str(), headers, payload, "application/json")
                            : http_->Patch(path.c_str(), headers, payload, "application/json");
  if (!res) {
    return fail(ErrorCode::kUnavailable,
                method + " " + path + ": " + httplib::to_string(res.error()));
  }
  if (res->body.size() > kMaxBody) {
    return fail(ErrorCode::kUnavailable, method + " " + path + ": reply larger than 4 MiB");
  }
  RedfishReply reply{res->status, nullptr};
  if (!res->body.empty()) {
    reply.body = common::Json::parse(res->body, nullptr, false);
    if (reply.body.is_discarded()) reply.body = nullptr;
  }
  if (location) *location = res->get_header_value("Location");
  return reply;
}

common::Result<RedfishReply> RedfishClient::send(const std::string& method, const std::string& path,
                                                 const common::Json* body, Deadline deadline) {
  PHOTON_CHECK(login(deadline));
  std::string location;
  std::string used = path;
  PHOTON_TRY(RedfishReply reply, sendOnce(method, used, body, deadline, &location));
  if (reply.status == 404) {
    // Quirk: some BMCs serve only "/Systems/1/" (or only "/Systems/1").
    used = toggledSlash(path);
    PHOTON_TRY(reply, sendOnce(method, used, body, deadline, &location));
  }
  if (reply.status == 202 && !location.empty()) return awaitTask(pathOf(location), deadline);
  if (reply.status < 200 || reply.status > 299) {
    return fail(reply.status == 401 ? ErrorCode::kUnauthorized : ErrorCode::kUnavailable,
                describe(method, path, reply.status, reply.body));
  }
  return reply;
}

common::Result<RedfishReply> RedfishClient::awaitTask(const std::string& monitor,
                                                      Deadline deadline) {
  // A task monitor answers 202 while the task runs and the action's own reply once it is done
  // (DSP0266 "Asynchronous operations"); a Task document says how it ended.
  auto pause = std::chrono::milliseconds(100);
  while (true) {
    PHOTON_TRY(RedfishReply reply, sendOnce("GET", monitor, nullptr, deadline, nullptr));
    if (reply.status != 202) {
      if (reply.status < 200 || reply.status > 299) {
        return fail(ErrorCode::kUnavailable, describe("GET", monitor, reply.status, reply.body));
      }
      if (reply.body.is_object() && reply.body.value("TaskState", "") == "Exception") {
        return fail(ErrorCode::kUnavailable, "task " + monitor + " ended in Exception");
      }
      return reply;
    }
    if (remaining(deadline) < pause) {
      return fail(ErrorCode::kUnavailable, "task " + monitor + " still running at the deadline");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
}

common::Result<RedfishReply> RedfishClient::get(const std::string& path, Deadline deadline) {
  return send("GET", path, nullptr, deadline);
}
common::Result<RedfishReply> RedfishClient::post(const std::string& path, const common::Json& body,
                                                 Deadline deadline) {
  return send("POST", path, &body, deadline);
}
common::Result<RedfishReply> RedfishClient::patch(const std::string& path, const common::Json& body,
                                                  Deadline deadline) {
  return send("PATCH", path, &body, deadline);
}

}  // namespace photon::coordinator::power
