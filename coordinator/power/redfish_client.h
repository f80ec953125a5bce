// The HTTP side of Redfish: one session per client (SessionService, X-Auth-Token; Basic auth
// where a BMC has no session service), every request bounded by the call's deadline, and the
// quirks real BMCs have: a 404 that wants the path with (or without) a trailing slash, and a 202
// whose Location is a task monitor to poll until the task is done.
#pragma once

#include <memory>
#include <string>

#include "common/json_fields.h"
#include "coordinator/power/power_driver.h"

namespace httplib {
class Client;
}

namespace photon::coordinator::power {

struct RedfishReply {
  int status = 0;
  common::Json body;  // null when there was none
};

class RedfishClient {
 public:
  explicit RedfishClient(const BmcAccess& access);
  ~RedfishClient();  // ends the session (best effort)

  // GET, POST and PATCH with a JSON body; a reply outside 2xx is an error naming the path.
  // A 202 with a Location is followed to the task's end.
  [[nodiscard]] common::Result<RedfishReply> get(const std::string& path, Deadline deadline);
  [[nodiscard]] common::Result<RedfishReply> post(const std::string& path, const common::Json& body,
                                                  Deadline deadline);
  [[nodiscard]] common::Result<RedfishReply> patch(const std::string& path,
                                                   const common::Json& body, Deadline deadline);

 private:
  common::Result<RedfishReply> send(const std::string& method, const std::string& path,
                                    const common::Json* body, Deadline deadline);
  common::Result<RedfishReply> sendOnce(const std::string& method, const std::string& path,
                                        const common::Json* body, Deadline deadline,
                                        std::string* location);
  common::Result<RedfishReply> awaitTask(const std::string& monitor, Deadline deadline);
  common::Status login(Deadline deadline);

  BmcAccess access_;
  std::unique_ptr<httplib::Client> http_;
  std::string token_;         // X-Auth-Token of our session
  std::string session_path_;  // to DELETE at the end
  bool basic_auth_ = false;   // the BMC has no session service
};

}  // namespace photon::coordinator::power
