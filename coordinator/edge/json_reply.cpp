#include "coordinator/edge/json_reply.h"

namespace photon::coordinator {

using common::Json;

void sendJson(HttpResponse& res, int status, const Json& body) {
  res.status = status;
  // Replace, never throw, on bytes that are not UTF-8: whatever a machine reported is shown.
  res.setContent(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void sendError(HttpResponse& res, const common::Error& error) {
  Json body = {{"error", error.message}, {"field", error.field}};
  if (!error.allowed.empty()) body["allowed"] = error.allowed;
  sendJson(res, common::httpStatus(error.code), body);
}

void sendError(HttpResponse& res, int status, const std::string& message,
               const std::string& field) {
  sendJson(res, status, Json{{"error", message}, {"field", field}});
}

}  // namespace photon::coordinator
